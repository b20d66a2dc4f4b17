"""Content-hashed URLs of the web UI's static files, so browsers may keep them for a year.

A template writes `asset_url("sigexp.js")` (`/static/sigexp.js?v=<12 hex of its sha256>`);
`gateway.protection` answers that URL with `Cache-Control: public, max-age=31536000,
immutable`, and the same file asked without its current hash with `no-cache`. A new build
changes the hash, so the new file is fetched at once. For Jinja2:
`templates.env.globals["asset_url"] = asset_url`.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from urllib.parse import parse_qs

STATIC = Path(__file__).parent / "static"
PREFIX = "/static/"


@functools.lru_cache(maxsize=512)
def _digest(file: Path, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as data:
        for block in iter(lambda: data.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def content_hash(name: str, root: Path = STATIC) -> str | None:
    """12 hex digits of the file's sha256 (recomputed when the file changes), or None when
    `name` is not a file under `root`."""
    base = root.resolve()
    file = (base / name).resolve()
    if not file.is_relative_to(base) or not file.is_file():
        return None
    stat = file.stat()
    return _digest(file, stat.st_mtime_ns, stat.st_size)


def asset_url(name: str, root: Path = STATIC, prefix: str = PREFIX) -> str:
    """`/static/<name>?v=<hash>`; a missing file gets its plain URL (it answers 404)."""
    name = name.lstrip("/")
    digest = content_hash(name, root)
    return f"{prefix}{name}" if digest is None else f"{prefix}{name}?v={digest}"


def is_current(path: str, query: str, root: Path = STATIC, prefix: str = PREFIX) -> bool:
    """Whether `path?query` names a static file by its current content hash."""
    versions = parse_qs(query).get("v")
    if not versions or not path.startswith(prefix):
        return False
    return versions[0] == content_hash(path.removeprefix(prefix), root)
