"""Platform adapters: each turns platform updates into core events and core replies
into platform messages, and holds no business logic or state of its own."""
