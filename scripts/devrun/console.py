"""Console output: `[name] ...` prefixed lines, coloured when stdout is a terminal.

Services log JSON lines (sigexp_common.logs); they are shown as `LEVEL message key=value`.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

_RESET = "\033[0m"
_PALETTE = ("36", "32", "35", "33", "34", "96", "92", "95", "93", "94")
_LEVEL_COLOURS = {"WARNING": "33", "ERROR": "31", "CRITICAL": "31;1"}
_HIDDEN_KEYS = {"ts", "level", "service", "logger", "msg", "exc", "color_message"}
RUNNER = "sigexp"


class Console:
    def __init__(self, names: list[str], colour: bool | None = None) -> None:
        if colour is None:
            colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        self.colour = colour
        self.width = max(len(name) for name in [*names, RUNNER])
        self._colours = {name: _PALETTE[i % len(_PALETTE)] for i, name in enumerate(names)}
        self._colours[RUNNER] = "1"

    def paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}{_RESET}" if self.colour else text

    def line(self, name: str, text: str, level: str = "") -> None:
        prefix = self.paint(f"[{name}]".ljust(self.width + 2), self._colours.get(name, "0"))
        for part in text.splitlines() or [""]:
            shown = self.paint(part, _LEVEL_COLOURS[level]) if level in _LEVEL_COLOURS else part
            sys.stdout.write(f"{prefix} {shown}\n")
        sys.stdout.flush()

    def child(self, name: str, raw: str) -> str:
        """Print one output line of a child process; return it as shown (without colour)."""
        text, level = render_log_line(raw)
        first, *rest = text.splitlines() or [""]
        self.line(name, "\n".join([first, *("    " + part for part in rest)]), level)
        return text

    def info(self, text: str) -> None:
        self.line(RUNNER, text)

    def warn(self, text: str) -> None:
        self.line(RUNNER, text, "WARNING")

    def error(self, text: str) -> None:
        self.line(RUNNER, text, "ERROR")

    def plain(self, text: str = "") -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def render_log_line(raw: str) -> tuple[str, str]:
    """A JSON log record as `LEVEL message key=value ...` (and its traceback); else as is."""
    raw = raw.rstrip("\r\n")
    if not raw.startswith("{"):
        return raw, ""
    try:
        data: Any = json.loads(raw)
    except ValueError:
        return raw, ""
    if not isinstance(data, dict) or "msg" not in data:
        return raw, ""
    level = str(data.get("level", ""))
    extras = " ".join(f"{k}={v}" for k, v in data.items() if k not in _HIDDEN_KEYS)
    text = f"{level:<7} {data['msg']}" + (f"  {extras}" if extras else "")
    if exc := data.get("exc"):
        text += "\n" + str(exc)
    return text, level


def is_log_record(raw: str) -> bool:
    return render_log_line(raw)[0] != raw.rstrip("\r\n")
