"""Loading a script or a test folder's module from its file, for tests and benches that use code
which is not a package (deploy/k8s/generate.py, scripts/asyncapi.py, a conftest)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def cargar(path: Path, nombre: str, registrar: bool = False) -> ModuleType:
    """The module in `path`, executed under `nombre`. `registrar` puts it in `sys.modules`
    first, which a module whose dataclasses look their own module up needs."""
    spec = importlib.util.spec_from_file_location(nombre, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no se puede cargar {path}")
    module = importlib.util.module_from_spec(spec)
    if registrar:
        sys.modules[nombre] = module
    spec.loader.exec_module(module)
    return module
