"""Parley's application: services, storage, HTTP and realtime layers around the ``akn`` library."""
