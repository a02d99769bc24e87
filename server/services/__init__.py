"""Use cases. Each takes an open session (and the acting principal) and appends the events it causes."""
