"""Telegram adapter on python-telegram-bot: updates to core events, replies to messages."""
