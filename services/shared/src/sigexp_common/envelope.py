"""CloudEvents 1.0 envelope (JSON structured mode) and the base class of domain events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


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
    data: dict[str, Any] = Field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        return cls.model_validate_json(body)


class Event(BaseModel):
    """A domain event's payload. Subclasses set `event_type` (= routing key) and `subject`."""

    model_config = ConfigDict(extra="ignore")

    event_type: ClassVar[str]

    def subject(self) -> str | None:
        return None
