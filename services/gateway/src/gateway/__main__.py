"""`python -m gateway serve [--host H] [--port P]`."""

from __future__ import annotations

import argparse

import uvicorn

from gateway.main import create_gateway


def run() -> None:
    parser = argparse.ArgumentParser(description="SIGEXP gateway")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    # The gateway decides itself whose X-Forwarded-For to trust (GATEWAY_TRUSTED_PROXIES):
    # uvicorn's own rewrite would take a local client's word for its address.
    uvicorn.run(
        create_gateway(), host=args.host, port=args.port, log_config=None, proxy_headers=False
    )


if __name__ == "__main__":
    run()
