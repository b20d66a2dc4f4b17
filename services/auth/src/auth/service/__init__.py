"""Use cases of the auth service, one module per responsibility."""
