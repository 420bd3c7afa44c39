"""Command-line entry points: composition of settings, storage, content, core and adapters."""
