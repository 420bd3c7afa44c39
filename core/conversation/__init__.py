"""A conversation with a client: the routing stages an event goes through, the booking flow,
the replies and the button actions. Everything here is platform-neutral."""
