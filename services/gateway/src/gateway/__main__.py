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
    uvicorn.run(create_gateway(), host=args.host, port=args.port, log_config=None)


if __name__ == "__main__":
    run()
