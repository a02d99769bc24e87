"""HTTP blueprints: parse the request, authorize, call a service, reply."""
