"""The frame-source interface shared by RTSP, HTTP, file and synthetic cameras."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType
from typing import ClassVar, Literal
from urllib.parse import urlsplit, urlunsplit

import numpy as np

FailureReason = Literal["connect", "timeout", "auth", "invalid_image", "ended", "unsupported"]


class SourceError(Exception):
    """A camera that cannot give a usable frame. `reason` is for machines, the message for people."""

    def __init__(self, reason: FailureReason, message: str) -> None:
        super().__init__(message)
        self.reason: FailureReason = reason
        self.message = message


@dataclass(frozen=True)
class StreamSpec:
    """How to reach one camera. Credentials travel separately from the URL so the URL can be logged."""

    url: str
    username: str | None = None
    password: str | None = None
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 5.0

    def __repr__(self) -> str:  # never show the password, even in a traceback
        return f"StreamSpec(url={redact_url(self.url)!r}, username={self.username!r}, password=***)"


class FrameSource(ABC):
    """Open, read frames (numpy BGR, HxWx3 uint8), close. Not thread-safe; one per camera check."""

    type: ClassVar[str]

    def __init__(self, spec: StreamSpec) -> None:
        self.spec = spec

    @abstractmethod
    def open(self) -> None:
        """Connect within `spec.connect_timeout_s`; raise `SourceError` on failure."""

    @abstractmethod
    def read(self) -> np.ndarray:
        """The next frame within `spec.read_timeout_s`; raise `SourceError` on failure."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection; safe to call twice or after a failed open."""

    def __enter__(self) -> FrameSource:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def redact_url(url: str) -> str:
    """The URL with any password replaced, for logs and API responses."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))
