"""`make up` and docker-compose.yml run the same work: every service's API, relay and consumer
(make up runs the relay and the consumers inside `serve`, compose as containers of their own)
and the digitisation workers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from sigexp_testing import workspace

ROOT = Path(__file__).resolve().parents[2]
ROLE = {"serve": "api", "relay": "relay", "consume": "consumer", "worker": "worker"}


@pytest.fixture(scope="module")
def devrun(tmp_path_factory: pytest.TempPathFactory) -> Any:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from devrun import config, runner
    finally:
        sys.path.pop(0)
    data = tmp_path_factory.mktemp("datos")
    return runner.processes(config.load_config({"SIGEXP_DATA_DIR": str(data)}))


def _make_up_work(specs: list[Any]) -> set[tuple[str, str]]:
    work = set()
    for spec in specs:
        service, command = spec.argv[2], spec.argv[3]
        work.add((service, ROLE[command]))
        prefix = service.upper() + "_"
        known = workspace.service(service)
        if command == "serve" and spec.env.get(prefix + "RUN_RELAY") == "true" and known.has_relay:
            work.add((service, "relay"))
        consumes = "consume" in known.processes
        if command == "serve" and spec.env.get(prefix + "RUN_CONSUMERS") == "true" and consumes:
            work.add((service, "consumer"))
    return work


def _compose_work(compose: dict[str, Any]) -> set[tuple[str, str]]:
    work = set()
    for entry in compose["services"].values():
        build = entry.get("build")
        if not isinstance(build, dict):
            continue
        command = [str(part) for part in entry.get("command", ["serve"])]
        if command[0] == "migrate":
            continue  # one-shot, before the service starts (make up migrates too)
        work.add((str(build["args"]["SERVICE"]), ROLE[command[0]]))
    return work


def test_make_up_y_compose_corren_el_mismo_trabajo(devrun: Any, compose: dict[str, Any]) -> None:
    make_up = _make_up_work(devrun)
    assert make_up == _compose_work(compose)
    roles = {role for _, role in make_up}
    assert roles == {"api", "relay", "consumer", "worker"}, "every kind of work is compared"
