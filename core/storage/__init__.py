"""Where conversations, bookings and tickets live: TinyDB files behind a write-ahead journal."""
