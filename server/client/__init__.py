"""Client side of live co-drafting: the sync algorithm (``sync``) and a Socket.IO drafter (``drafting``)."""
