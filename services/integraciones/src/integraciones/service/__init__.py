"""Use cases of the integraciones service, one module per group."""
