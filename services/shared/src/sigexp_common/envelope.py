"""CloudEvents 1.0 envelope (JSON structured mode) and the base class of domain events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """A CloudEvent as it travels on the bus. Unknown attributes are kept, never rejected."""

    model_config = ConfigDict(extra="allow")

    specversion: str = "1.0"
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    source: str
    type: str
    subject: str | None = None
    time: datetime = Field(default_factory=utcnow)
    datacontenttype: str = "application/json"
    requestid: str | None = None
    # Extension attribute: the version of the aggregate named by `subject` after this event.
    # Consumers apply an event only if its sequence is newer than the copy they keep.
    sequence: int | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        return cls.model_validate_json(body)


class Event(BaseModel):
    """A domain event's payload. Subclasses set `event_type` (= routing key), `subject` (the
    aggregate's id) and, for aggregates whose copies must apply events in order, `sequence`."""

    model_config = ConfigDict(extra="ignore")

    event_type: ClassVar[str]
    _envelope: Envelope | None = PrivateAttr(default=None)

    def subject(self) -> str | None:
        return None

    def sequence(self) -> int | None:
        """The aggregate's version after this event (None: the event is not versioned)."""
        return None

    @property
    def envelope(self) -> Envelope:
        """The CloudEvent this payload came in (set by the consumer that parsed it)."""
        if self._envelope is None:
            raise RuntimeError(f"{type(self).__name__} was not read from an envelope")
        return self._envelope

    @classmethod
    def from_envelope(cls, envelope: Envelope) -> Self:
        """Parse the payload by this model (raises pydantic's ValidationError)."""
        event = cls.model_validate(envelope.data)
        event._envelope = envelope
        return event


class AnyEvent(Event):
    """Binds to every event (routing key `#`): for a handler that keeps the whole bus."""

    model_config = ConfigDict(extra="allow")

    event_type: ClassVar[str] = "#"
