"""SIGEXP shared infrastructure. No domain models and no event schemas live here."""
