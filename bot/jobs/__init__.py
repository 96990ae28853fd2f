"""Scheduled work: reminders, escalations, digests, housekeeping; thin over bot.services."""
