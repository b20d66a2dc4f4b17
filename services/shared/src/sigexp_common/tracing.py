"""Traces (OpenTelemetry), off unless `<SERVICE>_TRACES` names where spans go.

One trace follows an action across processes the way the request id does: the gateway's
request span is the root; its `traceparent` (W3C Trace Context) goes in the header of every
forwarded call, the service's request span continues it, every event written in that request
carries it in the CloudEvent (the distributed-tracing extension attribute `traceparent`), and
the relay's publication and each consumer's handling are spans of the same trace.

`<SERVICE>_TRACES`: `otlp:<url>` (OTLP over HTTP, e.g. `otlp:http://collector:4318/v1/traces`)
or `archivo:<path>` (one JSON line per finished span, for a look on one machine and for tests).
Off, every function here is a cheap no-op and no event carries a `traceparent`.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()
_TRACER: trace.Tracer | None = None


def configure(service: str, destination: str | None) -> None:
    """Install a tracer provider for this process when `destination` says where spans go."""
    global _TRACER
    if not destination or _TRACER is not None:  # off, or this process has its tracer
        return
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": f"sigexp-{service}"}))
    kind, _, where = destination.partition(":")
    if kind == "archivo":
        provider.add_span_processor(SimpleSpanProcessor(_json_lines(Path(where))))
    elif kind == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=where)))
    else:
        raise ValueError(f"TRACES: `otlp:<url>` or `archivo:<ruta>`, not {destination!r}")
    _TRACER = provider.get_tracer("sigexp")


def enabled() -> bool:
    return _TRACER is not None


@contextlib.contextmanager
def span(
    name: str, traceparent: str | None = None, kind: SpanKind = SpanKind.INTERNAL, **attrs: Any
) -> Iterator[None]:
    """A span, current inside the block: child of `traceparent` when given, else of the
    current span (or a new trace). Nothing at all when tracing is off."""
    if _TRACER is None:
        yield
        return
    parent = _PROPAGATOR.extract({"traceparent": traceparent}) if traceparent else None
    with _TRACER.start_as_current_span(name, context=parent, kind=kind, attributes=attrs):
        yield


def traceparent() -> str | None:
    """The current span as a W3C `traceparent`, or None (tracing off, or no span)."""
    if _TRACER is None:
        return None
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def incoming(headers: Sequence[tuple[bytes, bytes]]) -> str | None:
    """The `traceparent` header of an ASGI request, if tracing is on."""
    if _TRACER is None:
        return None
    for name, value in headers:
        if name == b"traceparent":
            return value.decode("latin-1")
    return None


def outgoing() -> list[tuple[str, str]]:
    """Headers that continue the current trace in a call to another service."""
    current = traceparent()
    return [("traceparent", current)] if current else []


def _json_lines(path: Path) -> Any:
    """A span exporter writing one JSON object per finished span to `path`."""
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    class JsonLines(SpanExporter):
        def __init__(self) -> None:
            self.lock = threading.Lock()
            path.parent.mkdir(parents=True, exist_ok=True)

        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            lines = "".join(json.dumps(_as_dict(s), ensure_ascii=False) + "\n" for s in spans)
            with self.lock, path.open("a", encoding="utf-8") as handle:
                handle.write(lines)
            return SpanExportResult.SUCCESS

    return JsonLines()


def _as_dict(finished: Any) -> dict[str, Any]:
    ctx = finished.context
    parent = finished.parent
    attributes: Mapping[str, Any] = finished.attributes or {}
    return {
        "trace_id": f"{ctx.trace_id:032x}",
        "span_id": f"{ctx.span_id:016x}",
        "parent_id": f"{parent.span_id:016x}" if parent else None,
        "name": finished.name,
        "kind": finished.kind.name,
        "service": finished.resource.attributes.get("service.name"),
        "start": finished.start_time,
        "end": finished.end_time,
        "attributes": dict(attributes),
    }
