"""Where frames come from. One interface (`FrameSource`), one implementation per kind of stream.

`open_source(spec)` picks the implementation from the URL scheme; every source has connect and
read timeouts, and every failure is a `SourceError` with a short machine `reason`, so the health
checker can tell "offline" from "returns garbage" without knowing which library failed.
"""

from __future__ import annotations

import logging
from typing import ClassVar
from urllib.parse import urlsplit

import numpy as np

from warroom.cameras.sources.base import FrameSource, SourceError, StreamSpec, redact_url

log = logging.getLogger(__name__)

SCHEMES = ("rtsp", "rtsps", "http", "https", "file", "synthetic")

__all__ = ["FrameSource", "SourceError", "StreamSpec", "open_source", "redact_url"]


def open_source(spec: StreamSpec) -> FrameSource:
    """The source for `spec.url`, not yet opened (use it as a context manager or call open()).

    rtsp → PyAV, falling back to OpenCV when PyAV says "unsupported"; http(s) ending in .m3u8 →
    PyAV (HLS); other http(s) → HttpSource (snapshot or MJPEG); file → PyAV; synthetic → synthetic.
    Implementations are imported here, on first use, so a worker that only polls snapshots never
    loads FFmpeg.
    """
    parts = urlsplit(spec.url)
    scheme = parts.scheme.lower()
    if scheme in ("rtsp", "rtsps"):
        return _PyAVThenOpenCV(spec)
    if scheme in ("http", "https"):
        if parts.path.lower().endswith(".m3u8"):
            from warroom.cameras.sources.pyav import PyAVSource

            return PyAVSource(spec)
        from warroom.cameras.sources.http import HttpSource

        return HttpSource(spec)
    if scheme == "file":
        from warroom.cameras.sources.pyav import PyAVSource

        return PyAVSource(spec)
    if scheme == "synthetic":
        from warroom.cameras.sources.synthetic import SyntheticSource

        return SyntheticSource(spec)
    raise SourceError("unsupported", f"cannot read camera URL {redact_url(spec.url)!r}: supported schemes are "
                      f"{', '.join(s + '://' for s in SCHEMES)}")


class _PyAVThenOpenCV(FrameSource):
    """An RTSP camera: PyAV first (it says why a stream fails), OpenCV when PyAV's FFmpeg cannot
    read the stream at all ("unsupported": a missing protocol, demuxer or decoder)."""

    type: ClassVar[str] = "pyav"

    def __init__(self, spec: StreamSpec) -> None:
        super().__init__(spec)
        self.active: FrameSource | None = None

    def open(self) -> None:
        self.close()
        from warroom.cameras.sources.pyav import PyAVSource

        primary = PyAVSource(self.spec)
        try:
            primary.open()
            self.active = primary
            return
        except SourceError as err:
            primary.close()
            if err.reason != "unsupported":
                raise
            log.info("PyAV cannot read %s (%s); trying OpenCV", redact_url(self.spec.url), err.message)
        from warroom.cameras.sources.opencv import OpenCVSource

        fallback = OpenCVSource(self.spec)
        fallback.open()
        self.active = fallback

    def read(self) -> np.ndarray:
        if self.active is None:
            raise SourceError("connect", f"{redact_url(self.spec.url)} was read before a successful open()")
        return self.active.read()

    def close(self) -> None:
        if self.active is not None:
            self.active.close()
            self.active = None
