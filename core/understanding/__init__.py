"""Understanding a client's message: safety triage, intents, and matching it to what the content answers."""
