"""A Telegram-compatible Bot API server on aiohttp: the tests' fake and the demo's backend.

It imports nothing else of the project, so that what the demo shows is what the tests check.
"""
