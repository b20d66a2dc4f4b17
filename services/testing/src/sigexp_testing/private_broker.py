"""A RabbitMQ node of the test's own, so a test may really stop and restart a broker.

Started from the machine's RabbitMQ installation with its own node name, port, data and config
(about 6 s), and removed at the end. Stopping it is `rabbitmqctl stop_app`: the broker goes
down for every client, as in a restart, while its durable queues stay on disk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from sigexp_testing.infra import free_port


@dataclass
class PrivateBroker:
    node: str
    port: int

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            ["rabbitmqctl", "-q", "-n", self.node, *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def stop(self) -> None:
        self._ctl("stop_app")

    def start(self) -> None:
        self._ctl("start_app")
        self._ctl("await_startup", "--timeout", "60")


def start_private_broker(stack: ExitStack) -> PrivateBroker:
    if not shutil.which("rabbitmq-server"):
        raise RuntimeError("rabbitmq-server is not installed: a private broker cannot be started")
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sigexp-rmq-")))
    if os.geteuid() == 0:
        shutil.chown(folder, user="rabbitmq")  # the server drops to the rabbitmq user
    port, dist_port = free_port(), free_port()
    (folder / "rabbitmq.conf").write_text(
        f"listeners.tcp.default = 127.0.0.1:{port}\nloopback_users = none\n"
    )
    (folder / "enabled_plugins").write_text("[].\n")
    node = f"sigexp{uuid.uuid4().hex[:6]}@localhost"
    env = {
        **os.environ,
        "RABBITMQ_NODENAME": node,
        "RABBITMQ_DIST_PORT": str(dist_port),
        "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq"),
        "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
        "RABBITMQ_LOG_BASE": str(folder / "log"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
        "RABBITMQ_PID_FILE": str(folder / "pid"),
    }
    subprocess.run(["rabbitmq-server", "-detached"], env=env, check=True, timeout=60)
    broker = PrivateBroker(node=node, port=port)
    stack.callback(_stop_node, broker)
    subprocess.run(
        ["rabbitmqctl", "-q", "-n", node, "wait", str(folder / "pid"), "--timeout", "90"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return broker


def _stop_node(broker: PrivateBroker) -> None:
    subprocess.run(
        ["rabbitmqctl", "-q", "-n", broker.node, "stop"], capture_output=True, timeout=60
    )
