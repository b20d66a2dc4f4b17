"""What every kind of document offers the pipeline, and what the pipeline gives back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from PIL import Image


class ArchivoIlegible(Exception):
    """The file's content cannot be digitised (corrupt, password protected, not a document):
    reading the same bytes again gives the same answer. `motivo` is what a person reads."""

    def __init__(self, motivo: str) -> None:
        super().__init__(motivo)
        self.motivo = motivo


@dataclass(frozen=True)
class Resultado:
    paginas: int
    texto: str  # every page's text in order, pages separated by a blank line
    miniatura: bytes  # PNG of the first page


class Documento(Protocol):
    """An open document: its page count, its first page as an image and each page's text."""

    paginas: int

    def primera_pagina(self) -> Image.Image: ...

    def textos(self) -> Iterator[str]:
        """Each page's text in order, yielded as soon as that page is done."""
        ...

    def close(self) -> None: ...
