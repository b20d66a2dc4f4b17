"""`make up` (scripts/dev.py) against the session's real PostgreSQL and RabbitMQ.

Every port is a free one and the data folder is temporary, so these tests never collide with a
`make up` running on the same machine. The databases the runner creates carry the session's
prefix and are dropped with the session's other databases.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from sigexp_testing import workspace
from sigexp_testing.infra import TestInfra, free_port

ROOT = Path(__file__).resolve().parents[2]
SERVICES = workspace.names()
DATABASE_SERVICES = tuple(s.name for s in workspace.with_database())
READY_LINE = "SIGEXP listo"

pytestmark = pytest.mark.timeout(900)


@dataclass
class Run:
    code: int
    output: str
    seconds: float


@pytest.fixture(scope="module")
def runner_env(infra: TestInfra, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of `make up` for these tests: session servers, free ports, temp data."""
    db_prefix = f"{infra.prefix}_devrun"
    for service in DATABASE_SERVICES:
        name = f"{db_prefix}_{service}"
        if name not in infra.databases:
            infra.databases.append(name)  # the session drops them at its end
    inherited = ("SIGEXP_", *(f"{name.upper()}_" for name in SERVICES))
    env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    ports: set[int] = set()
    while len(ports) < len(SERVICES) + 2:
        ports.add(free_port())
    port_list = sorted(ports)
    for name, port in zip(SERVICES, port_list, strict=False):
        env[f"SIGEXP_{name.upper()}_PORT"] = str(port)
    env |= {
        "SIGEXP_PG_DSN": infra.pg_admin_dsn,
        "SIGEXP_AMQP_URL": infra.amqp_vhost("devrun"),  # its queues never feed other tests
        "SIGEXP_DB_PREFIX": db_prefix,
        "SIGEXP_DATA_DIR": str(tmp_path_factory.mktemp("devrun-data")),
        "SIGEXP_S3_PORT": str(port_list[-2]),
        "SIGEXP_SMTP_PORT": str(port_list[-1]),
        "SIGEXP_GATEWAY_OPS_PORT": str(free_port()),  # never the shared default 9100
        "SIGEXP_READY_TIMEOUT": "240",
    }
    return env


def _run_check(env: dict[str, str], timeout: float = 420) -> Run:
    begun = time.monotonic()
    process = subprocess.run(
        [sys.executable, "scripts/dev.py", "--check"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    return Run(process.returncode, process.stdout, time.monotonic() - begun)


def _start_until_ready(env: dict[str, str]) -> subprocess.Popen[str]:
    """`make up` (not --check), returned once it printed that everything is ready."""
    process = subprocess.Popen(
        [sys.executable, "scripts/dev.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if READY_LINE in line:
            break
    assert any(READY_LINE in line for line in seen), "".join(seen)[-6000:]
    return process


def _demo_users(output: str) -> list[str]:
    """The demo users table of the ready summary (indented lines after "Demo users:")."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("Demo users:"))
    table = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        table.append(line.strip())
    return table


@pytest.fixture(scope="module")
def first_start(runner_env: dict[str, str]) -> Run:
    return _run_check(runner_env)


def test_make_up_check_starts_everything_and_prints_where_to_go(
    first_start: Run, runner_env: dict[str, str]
) -> None:
    out = first_start.output
    assert first_start.code == 0, out[-6000:]
    assert READY_LINE in out
    assert f"http://127.0.0.1:{runner_env['SIGEXP_GATEWAY_PORT']}/" in out
    assert "admin / Admin-Sigexp-2026" in out
    assert _demo_users(out), "the summary lists the demo users"
    assert "created databases" in out
    assert "\n[pases] " in out, "each service's log lines carry its name"
    for service in SERVICES:
        assert f"{service} ready" in out


def test_second_start_reuses_databases_data_and_demo_users(
    first_start: Run, runner_env: dict[str, str]
) -> None:
    assert first_start.code == 0, first_start.output[-6000:]
    data = Path(runner_env["SIGEXP_DATA_DIR"])
    keys = json.loads((data / "s3-credentials.json").read_text())

    second = _run_check(runner_env)

    assert second.code == 0, second.output[-6000:]
    assert READY_LINE in second.output
    assert "created databases" not in second.output
    assert "migrated " not in second.output, "migrations are already at head"
    assert _demo_users(second.output) == _demo_users(first_start.output)
    assert json.loads((data / "s3-credentials.json").read_text()) == keys
    assert (data / "s3").is_dir()
    assert (data / "correo").is_dir()


def test_ctrl_c_stops_every_service_and_exits_0(
    first_start: Run, runner_env: dict[str, str]
) -> None:
    assert first_start.code == 0, first_start.output[-6000:]
    process = _start_until_ready(runner_env)

    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=120)

    assert process.returncode == 0, rest[-6000:]
    assert "stopped" in rest
    ports = [int(runner_env[f"SIGEXP_{name.upper()}_PORT"]) for name in SERVICES]
    ports.append(int(runner_env["SIGEXP_S3_PORT"]))
    assert [port for port in ports if _listening(port)] == [], "nothing is left running"


@pytest.mark.parametrize(
    ("variable", "hint"),
    [
        ("SIGEXP_PG_DSN", "pg_ctlcluster"),
        ("SIGEXP_AMQP_URL", "rabbitmq-server -detached"),
    ],
)
def test_make_up_says_in_one_line_how_to_start_a_server_that_does_not_answer(
    runner_env: dict[str, str], variable: str, hint: str
) -> None:
    dead = free_port()
    scheme = "postgresql" if variable == "SIGEXP_PG_DSN" else "amqp"
    env = runner_env | {variable: f"{scheme}://guest:guest@127.0.0.1:{dead}/x"}

    run = _run_check(env, timeout=60)

    assert run.code == 1
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert len(lines) == 1, run.output
    assert hint in lines[0]
    assert variable in lines[0]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def running_runner(first_start: Run, runner_env: dict[str, str]):
    """A `make up` left running (not --check) for the tests that need one alive."""
    assert first_start.code == 0, first_start.output[-6000:]
    process = _start_until_ready(runner_env)
    yield process
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=120)


def test_a_second_make_up_says_in_one_line_that_one_is_running(
    running_runner: subprocess.Popen[str], runner_env: dict[str, str]
) -> None:
    run = _run_check(runner_env, timeout=60)

    assert run.code == 1
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert len(lines) == 1, run.output
    assert "already running" in lines[0]
    assert f"pid {running_runner.pid}" in lines[0]


def test_make_up_killed_with_sigkill_leaves_no_process_behind(
    running_runner: subprocess.Popen[str], runner_env: dict[str, str]
) -> None:
    descendants = _descendants(running_runner.pid)
    assert len(descendants) >= len(SERVICES), "every service runs under the runner"

    running_runner.kill()
    running_runner.wait(timeout=10)

    deadline = time.monotonic() + 60
    while (alive := [pid for pid in descendants if _alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive == [], f"still running after the runner's SIGKILL: {_commands(alive)}"
    ports = [int(runner_env[f"SIGEXP_{name.upper()}_PORT"]) for name in SERVICES]
    assert [port for port in ports if _listening(port)] == []


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, from /proc; None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def _descendants(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[1]
    found: list[int] = []
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")  # a zombie has already exited


def _commands(pids: list[int]) -> list[str]:
    shown = []
    for pid in pids:
        with contextlib.suppress(OSError):
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            shown.append(f"{pid}: {argv.decode(errors='replace')[:120]}")
    return shown
