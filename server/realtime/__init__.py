"""Socket.IO: the default namespace, and broadcasting events after their transaction commits."""
