"""SIGEXP integraciones: the ministries' public, redacted event stream."""
