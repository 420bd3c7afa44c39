"""The staff side: tickets and the desk they are handled in, desk commands, the daily digest."""
