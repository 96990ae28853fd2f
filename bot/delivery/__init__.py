"""Getting messages to people: pacing within Telegram's limits, sending, the outbox."""
