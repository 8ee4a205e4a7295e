"""The fallback: OpenCV's VideoCapture (its own FFmpeg build) for streams PyAV cannot open.

OpenCV reports failure as a bare False, with no reason, so this source can say less than the
PyAV one: a failed open is "connect" (wrong address, credentials or codec, OpenCV does not say
which), and a failed read is "timeout" when it took the read timeout, "ended" otherwise.
"""

from __future__ import annotations

import logging
import os
import time
from typing import ClassVar
from urllib.parse import quote, unquote, urlsplit, urlunsplit
from urllib.request import url2pathname

import cv2
import numpy as np

from warroom.cameras.sources.base import FrameSource, SourceError, StreamSpec, redact_url

log = logging.getLogger(__name__)


class OpenCVSource(FrameSource):
    """Any URL OpenCV's FFmpeg backend reads; file:// loops like the PyAV file camera."""

    type: ClassVar[str] = "opencv"

    def __init__(self, spec: StreamSpec) -> None:
        super().__init__(spec)
        self._safe = redact_url(spec.url)
        self._scheme = urlsplit(spec.url).scheme.lower()
        self._capture: cv2.VideoCapture | None = None

    def open(self) -> None:
        self.close()
        # OpenCV reads its FFmpeg options from this variable at each open; TCP for RTSP as in PyAV.
        os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp")
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(self.spec.connect_timeout_s * 1000),
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(self.spec.read_timeout_s * 1000)]
        started = time.monotonic()
        try:
            capture = cv2.VideoCapture(self._target(), cv2.CAP_FFMPEG, params)
        except cv2.error as err:
            raise SourceError("connect", f"OpenCV could not open {self._safe} ({type(err).__name__})") from err
        if not capture.isOpened():
            capture.release()
            if time.monotonic() - started >= self.spec.connect_timeout_s * 0.9:
                raise SourceError("timeout", f"{self._safe} did not answer within {self.spec.connect_timeout_s:g} s")
            raise SourceError("connect", f"OpenCV could not open {self._safe} (it does not say why: wrong "
                              "address, credentials or an unsupported codec)")
        self._capture = capture
        log.debug("opened %s with OpenCV", self._safe)

    def read(self) -> np.ndarray:
        if self._capture is None:
            raise SourceError("connect", f"{self._safe} was read before a successful open()")
        started = time.monotonic()
        ok, frame = self._capture.read()
        if not ok and self._scheme == "file":  # the end of the clip: play it again
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        if ok and frame is not None:
            return frame
        if time.monotonic() - started >= self.spec.read_timeout_s * 0.9:
            raise SourceError("timeout", f"{self._safe} stopped sending for {self.spec.read_timeout_s:g} s")
        raise SourceError("ended", f"{self._safe} ended or broke off (OpenCV gave no frame)")

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def _target(self) -> str:
        """The path for file://, else the URL with credentials spliced in (in memory only)."""
        parts = urlsplit(self.spec.url)
        if self._scheme == "file":
            return url2pathname(unquote(parts.path))
        if self.spec.username is None:
            return self.spec.url
        netloc = parts.hostname or ""
        netloc = f"[{netloc}]" if ":" in netloc else netloc
        netloc += f":{parts.port}" if parts.port else ""
        secret = f":{quote(self.spec.password, safe='')}" if self.spec.password else ""
        return urlunsplit((parts.scheme, f"{quote(self.spec.username, safe='')}{secret}@{netloc}",
                           parts.path, parts.query, ""))
