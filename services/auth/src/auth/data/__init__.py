"""Data files shipped with the service (demo catalogue, common passwords list)."""
