"""`make up`, step by step: check, prepare, start, wait until ready, tell where things are."""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sigexp_testing import workspace
from sigexp_testing.mailcatcher import start_mailcatcher

from . import commands, instance
from .config import DATABASE_SERVICES, SERVICES, WORKERS, Config
from .console import Console, is_log_record
from .infra import (
    InfraError,
    busy_ports,
    check_postgres,
    check_rabbitmq,
    create_missing_databases,
    ensure_bucket,
    wait_for_port,
)
from .reaper import Reaper
from .summary import print_summary
from .supervisor import Child, ChildSpec, StartFailed, Supervisor, wait_ready


@dataclass
class Demo:
    table: list[str] = field(default_factory=list)
    note: str = ""


async def run(config: Config, console: Console, check: bool) -> int:
    """Bring everything up; with `check`, stop again once ready. Returns the exit code."""
    started = time.monotonic()
    try:
        lock = instance.hold(config.data_dir)
    except instance.AlreadyRunning as exc:
        console.error(str(exc))
        return 1
    reaper = Reaper()
    supervisor = Supervisor(console, config.stop_timeout, reaper)
    mailcatcher = None
    try:
        await _check_servers(config)
        await _prepare_databases(config, console)
        if config.s3.embedded:
            await _start_s3(config, supervisor, console)
        if config.smtp.embedded:
            smtp = config.smtp
            mailcatcher = start_mailcatcher(smtp.mail_dir, smtp.host, smtp.port)
        await _migrate(config, console)
        specs = processes(config)
        children = [supervisor.start(spec) for spec in specs if spec.name != "auth"]
        demo = await _load_demo(config, console)  # meanwhile; auth starts after its demo data
        children += [supervisor.start(spec) for spec in specs if spec.name == "auth"]
        await wait_ready(children, config.ready_timeout, console)
        print_summary(config, console, demo.table, demo.note, time.monotonic() - started)
        if check:
            console.info("--check: everything answered; stopping")
            return 0
        await asyncio.Event().wait()  # until Ctrl-C cancels this task
        return 0
    except InfraError as exc:
        console.error(str(exc))
        return 1
    except StartFailed as exc:
        _report_failure(console, exc)
        return 1
    finally:
        await supervisor.stop_all()
        reaper.close()
        if mailcatcher is not None:
            mailcatcher.stop()
        instance.release(lock)


async def _check_servers(config: Config) -> None:
    problems = await asyncio.gather(
        check_postgres(config), check_rabbitmq(config), return_exceptions=True
    )
    down = [str(problem) for problem in problems if isinstance(problem, InfraError)]
    if down:
        raise InfraError("\n".join(down))  # one line per server that does not answer
    for problem in problems:
        if isinstance(problem, BaseException):
            raise problem
    ports = {name: config.ports[name] for name in SERVICES}
    ports["gateway-ops"] = config.gateway_ops_port
    if config.s3.embedded:
        ports["s3"] = int(config.s3.endpoint.rsplit(":", 1)[1])
    if config.smtp.embedded:
        ports["smtp"] = config.smtp.port
    if busy := busy_ports(config.host, ports):
        raise InfraError(
            f"ports already in use on {config.host}: {', '.join(busy)}; is another `make up` "
            "running? Stop it, or choose others with SIGEXP_PORT_BASE / SIGEXP_<SERVICE>_PORT"
        )
    config.data_dir.mkdir(parents=True, exist_ok=True)


def _owned_database(config: Config, service: str) -> bool:
    """The runner creates a service's database unless the user gave its URL explicitly."""
    return f"{service.upper()}_DATABASE_URL" not in config.environ


async def _prepare_databases(config: Config, console: Console) -> None:
    names = [config.database_name(s) for s in DATABASE_SERVICES if _owned_database(config, s)]
    created = await create_missing_databases(config, names)
    if created:
        console.info("created databases " + ", ".join(created))


async def _start_s3(config: Config, supervisor: Supervisor, console: Console) -> None:
    s3 = config.s3
    host, port = s3.endpoint.rsplit(":", 1)
    s3.data_dir.mkdir(parents=True, exist_ok=True)
    nanio = _venv_bin("nanio")
    argv = [nanio, "serve", "--data-dir", str(s3.data_dir), "--host", host, "--port", port]
    argv.append("--no-access-log")
    env = {**config.environ, "NANIO_ACCESS_KEY": s3.access_key, "NANIO_SECRET_KEY": s3.secret_key}
    child = supervisor.start(ChildSpec("s3", argv, env, ready_url=None, stop_last=True))
    if not await wait_for_port(host, int(port), timeout=30):
        raise StartFailed(f"the S3 server (nanio) does not listen on {s3.endpoint}", child)
    if not await asyncio.to_thread(ensure_bucket, config):
        console.warn(f"could not create bucket {s3.bucket!r} on {s3.endpoint}")


def _venv_bin(name: str) -> str:
    """A console script of the environment the runner runs in (else from PATH)."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name) or name


async def _migrate(config: Config, console: Console) -> None:
    async def one(service: str) -> None:
        env = config.service_env(service)
        url = env[f"{service.upper()}_DATABASE_URL"]
        if await commands.migrations_at_head(service, url):
            return
        outcome = await commands.run_command(service, "migrate", env)
        if not outcome.ok:
            raise StartFailed(
                f"migrations of {service} failed (exit {outcome.code}):\n    "
                + "\n    ".join(outcome.tail())
            )
        console.info(f"migrated {service}")

    begun = time.monotonic()
    await asyncio.gather(*(one(service) for service in DATABASE_SERVICES))
    console.info(f"databases up to date ({time.monotonic() - begun:.1f}s)")


async def _load_demo(config: Config, console: Console) -> Demo:
    if "demo" not in workspace.service("auth").commands:
        note = "auth has no `demo` command yet: demo catalogue and users not loaded"
        console.warn(note)
        return Demo(note=note)
    outcome = await commands.run_command("auth", "demo", config.service_env("auth"))
    if not outcome.ok:
        note = f"loading the demo data failed (exit {outcome.code}); see the lines above"
        console.warn(note)
        for line in outcome.tail():
            console.line("auth", line, "WARNING")
        return Demo(note=note)
    table = [line for line in outcome.stdout.splitlines() if line.strip()]
    table = [line for line in table if not is_log_record(line)]
    console.info("demo catalogue and users loaded")
    return Demo(table=table)


def processes(config: Config) -> list[ChildSpec]:
    """Every long-running process of `make up`: each service's `serve` (its relay and
    consumers inside, by its environment) and the digitisation workers of those that have them.
    `tests/contracts` compares this set with docker-compose.yml's."""
    specs = [_service(config, name) for name in SERVICES]
    specs += [_worker(config, name) for name in WORKERS if workspace.service(name).has_worker]
    return specs


def _service(config: Config, name: str) -> ChildSpec:
    argv = [sys.executable, "-m", name, "serve", "--host", config.host]
    argv += ["--port", str(config.ports[name])]
    return ChildSpec(name, argv, config.service_env(name), config.ready_url(name))


def _worker(config: Config, service: str) -> ChildSpec:
    argv = [sys.executable, "-m", service, "worker"]
    return ChildSpec(f"{service}-worker", argv, config.service_env(service))


def _report_failure(console: Console, exc: StartFailed) -> None:
    console.error(f"SIGEXP did not start: {exc}")
    child: Child | None = exc.child
    if child is not None and child.tail:
        console.error(f"last lines of {child.name}:")
        for line in list(child.tail)[-20:]:
            console.line(child.name, line, "ERROR")
