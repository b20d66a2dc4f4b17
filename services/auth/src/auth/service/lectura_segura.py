"""Reading an untrusted file within bounds: a time limit checked as it is read (so a slow
file stops its own thread), and a YAML loader without anchors or aliases (the "billion laughs"
bomb: 387 bytes that expand to 9**9 values), with bounded nesting and number of values."""

from __future__ import annotations

import time
from typing import Any

import yaml

MAX_NODOS = 200_000  # values in a YAML file (a province's catalogue uses a fraction of it)
MAX_PROFUNDIDAD = 10  # a catalogue nests 4 levels: sections, lists, entries, values
TARDA_DEMASIADO = "El archivo tarda demasiado en leerse; divídalo en archivos más chicos"


class ArchivoHostil(Exception):
    """The file is refused as a whole (it could exhaust time or memory): 422 on `archivo`."""

    def __init__(self, mensaje: str, marca: yaml.Mark | None = None) -> None:
        donde = f" (fila {marca.line + 1})" if marca is not None else ""
        super().__init__(mensaje + donde)


class Plazo:
    """A time limit checked as the file is read: a slow file stops its own thread."""

    def __init__(self, segundos: float | None) -> None:
        self.hasta = None if segundos is None else time.monotonic() + segundos

    def vigilar(self) -> None:
        if self.hasta is not None and time.monotonic() > self.hasta:
            raise ArchivoHostil(TARDA_DEMASIADO)


class _CargadorSeguro(yaml.SafeLoader):
    """SafeLoader without anchors or aliases (the YAML bomb), with bounded nesting, a bounded
    number of nodes and a time limit; keeps the line where each mapping starts."""

    def __init__(self, texto: str, plazo: Plazo) -> None:
        super().__init__(texto)
        self.plazo, self.nodos, self.profundidad = plazo, 0, 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        evento = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(evento, yaml.AliasEvent) or getattr(evento, "anchor", None) is not None:
            raise ArchivoHostil(
                "El YAML usa anclas o alias (& y *), que no se admiten: escriba cada valor",
                evento.start_mark,
            )
        self.nodos += 1
        if self.nodos > MAX_NODOS:
            raise ArchivoHostil(f"El YAML tiene más de {MAX_NODOS} valores", evento.start_mark)
        self.plazo.vigilar()
        self.profundidad += 1
        try:
            if self.profundidad > MAX_PROFUNDIDAD:
                raise ArchivoHostil(
                    "El YAML tiene listas u objetos anidados de más", evento.start_mark
                )
            nodo: yaml.Node | None = super().compose_node(parent, index)
            assert nodo is not None
            return nodo
        finally:
            self.profundidad -= 1


def _mapa_con_linea(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    valor = loader.construct_mapping(node, deep=True)
    valor["__linea__"] = node.start_mark.line + 1
    return valor


def _fecha_como_texto(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    """Dates stay text (`2026-02-30` must be a row's error, not a file that cannot be read):
    the reader of each field checks them."""
    return str(loader.construct_scalar(node))


_CargadorSeguro.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapa_con_linea)
_CargadorSeguro.add_constructor("tag:yaml.org,2002:timestamp", _fecha_como_texto)


def documento_yaml(texto: str, plazo: Plazo) -> Any:
    """The YAML document, each mapping with its starting line under `__linea__`. Raises
    `ArchivoHostil`, or what SafeLoader raises on malformed input (`yaml.YAMLError`...)."""
    cargador = _CargadorSeguro(texto, plazo)
    try:
        return cargador.get_single_data()
    finally:
        cargador.dispose()
