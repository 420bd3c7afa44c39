"""Platform-neutral heart of the clinic bot.

Nothing in this package may import a chat platform's library: adapters in
``bots/`` translate platform updates into :class:`core.events.Event` objects and
render the :class:`core.events.Reply` objects that come back.
"""
