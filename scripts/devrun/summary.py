"""The "SIGEXP listo" banner: where to go, how to log in, where mails and data live."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from .config import DATABASE_SERVICES, SERVICES, Config
from .console import Console

READY_LINE = "SIGEXP listo"


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd())) + "/"
    except ValueError:
        return str(path) + "/"


def print_summary(
    config: Config, console: Console, demo_table: list[str], demo_note: str, seconds: float
) -> None:
    auth_env = config.service_env("auth")
    usuario, password = auth_env["SIGEXP_ADMIN_USUARIO"], auth_env["SIGEXP_ADMIN_PASSWORD"]
    rule = "=" * 78
    out = console.plain
    out(rule)
    out(console.paint(f"  {READY_LINE} in {seconds:.1f}s", "1;32"))
    out(f"  Web:        {console.paint(config.web_url, '1')}")
    out(f"  Admin:      {usuario} / {password}   (SIGEXP_ADMIN_USUARIO / SIGEXP_ADMIN_PASSWORD)")
    if demo_table:
        out("  Demo users:")
        for line in demo_table:
            out("    " + line)
    else:
        out(f"  Demo users: none ({demo_note})")
    smtp = config.smtp
    if smtp.embedded:
        catcher = f"SMTP catcher at {smtp.host}:{smtp.port}"
        out(f"  Mail:       {_shown(smtp.mail_dir)}  (one .eml file per message; {catcher})")
    else:
        out(f"  Mail:       sent through SMTP {smtp.host}:{smtp.port}")
    s3 = config.s3
    if s3.embedded:
        out(f"  Files:      {_shown(s3.data_dir)}  (nanio at {s3.endpoint}, bucket {s3.bucket})")
    else:
        out(f"  Files:      S3 at {s3.endpoint}, bucket {s3.bucket}")
    databases = ", ".join(config.database_name(name) for name in DATABASE_SERVICES)
    pg = urlsplit(config.pg_dsn)
    out(f"  Databases:  {databases} on {pg.hostname}:{pg.port or 5432}")
    out(f"  Data:       {_shown(config.data_dir)}  (kept across restarts)")
    services = "  ".join(f"{name} :{config.ports[name]}" for name in SERVICES)
    out(f"  Services:   {services}  (each has /health/ready and /metrics;")
    out(f"              the gateway's are on :{config.gateway_ops_port}, not on its public port)")
    out("  Ctrl-C stops everything.")
    out(rule)
