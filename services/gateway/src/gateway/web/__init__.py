"""The web UI: Spanish page shells (Jinja2) and their static assets, on `/api/v1` only."""

from gateway.web.routes import router

__all__ = ["router"]
