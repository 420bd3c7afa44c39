"""Discord adapter on discord.py: messages and interactions to core events, replies to messages."""
