"""RTSP, HLS and video-file cameras through PyAV (FFmpeg's own demuxers and decoders).

Road cameras speak RTSP (H.264/H.265); some city feeds are HLS; recorded clips stand in for
cameras in tests and the demo (a file loops, so a clip is a camera that never ends).

Two things matter more here than anywhere else:
- never hang: FFmpeg blocks in network reads, so every open and read is bounded twice, by the
  FFmpeg socket options (`timeout`/`rw_timeout`, in microseconds) and by PyAV's interrupt
  callback (`av.open(..., timeout=(open_s, read_s))`), and `read()` has its own deadline;
- never leak credentials: they are spliced into the URL only in memory for FFmpeg, and FFmpeg's
  errors (which quote that URL) are scrubbed before they are chained or logged. (FFmpeg's own
  log is off by default in PyAV; whoever turns it on for debugging should know that some FFmpeg
  demuxers, HLS for one, name the URLs they open.)
"""

from __future__ import annotations

import logging
import re
import time
from collections import deque
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, unquote, urlsplit, urlunsplit
from urllib.request import url2pathname

import av
import av.error
import numpy as np

from warroom.cameras.sources.base import FrameSource, SourceError, StreamSpec, redact_url

log = logging.getLogger(__name__)

MAX_BAD_PACKETS = 100  # consecutive undecodable packets before the stream counts as garbage
_USERINFO = re.compile(r"(\w+://[^/:@\s]*):[^@\s/]*@")


class PyAVSource(FrameSource):
    """rtsp:// (always over TCP), http(s)://...m3u8 and file:// through FFmpeg, frames as BGR."""

    type: ClassVar[str] = "pyav"

    def __init__(self, spec: StreamSpec) -> None:
        super().__init__(spec)
        parts = urlsplit(spec.url)
        self.scheme = parts.scheme.lower()
        if self.scheme not in ("rtsp", "rtsps", "http", "https", "file"):
            raise SourceError("unsupported", f"PyAV cameras are rtsp://, http(s)://...m3u8 or file://, "
                              f"not {redact_url(spec.url)}")
        self._safe = redact_url(spec.url)
        self._container: Any = None
        self._stream: Any = None
        self._packets: Any = None
        self._frames: deque[Any] = deque()
        self._secret = ""
        self._target_url = ""

    # -- FrameSource --

    def open(self) -> None:
        self.close()
        target, options = self._target()
        self._target_url = target
        try:
            container = av.open(target, options=options,
                                timeout=(self.spec.connect_timeout_s, self.spec.read_timeout_s))
        except av.error.FFmpegError as err:
            raise self._open_error(self._scrub(err, target)) from err
        if not container.streams.video:
            container.close()
            raise SourceError("unsupported", f"{self._safe} has no video track")
        self._container, self._stream = container, container.streams.video[0]
        self._packets = container.demux(self._stream)
        log.debug("opened %s (%s, %sx%s)", self._safe, self._stream.codec_context.name,
                  self._stream.codec_context.width, self._stream.codec_context.height)

    def read(self) -> np.ndarray:
        if self._container is None:
            raise SourceError("connect", f"{self._safe} was read before a successful open()")
        deadline = time.monotonic() + self.spec.read_timeout_s
        bad = 0
        rewound = False
        while not self._frames:
            if time.monotonic() > deadline:
                raise SourceError("timeout", f"{self._safe} sent no picture within {self.spec.read_timeout_s:g} s")
            try:
                packet = next(self._packets)
            except StopIteration:
                if self.scheme != "file":
                    raise SourceError("ended", f"{self._safe} ended the stream") from None
                if rewound:  # a whole pass without one frame
                    raise SourceError("ended", f"{self._safe} has no decodable video frames") from None
                self._rewind()
                rewound = True
                continue
            except av.error.FFmpegError as err:
                raise self._read_error(self._scrub(err, self._target_url)) from err
            try:
                self._frames.extend(packet.decode())
                bad = 0
            except av.error.InvalidDataError as err:
                bad += 1  # a damaged packet; the decoder resynchronises at the next keyframe
                if bad > MAX_BAD_PACKETS:
                    raise SourceError("invalid_image", f"{self._safe} sends video FFmpeg cannot decode "
                                      f"({MAX_BAD_PACKETS} bad packets in a row)") from err
            except av.error.FFmpegError as err:
                raise self._read_error(self._scrub(err, self._target_url)) from err
        return self._frames.popleft().to_ndarray(format="bgr24")

    def close(self) -> None:
        self._frames.clear()
        self._packets = self._stream = None
        if self._container is not None:
            container, self._container = self._container, None
            try:
                container.close()
            except av.error.FFmpegError as err:  # closing a dead RTSP session can fail; it is gone anyway
                log.debug("closing %s: %s", self._safe, self._scrub(err, self._target_url).strerror)

    # -- internals --

    def _target(self) -> tuple[str, dict[str, str]]:
        """What to hand FFmpeg: the URL with credentials (in memory only) and its options."""
        parts = urlsplit(self.spec.url)
        if self.scheme == "file":
            path = Path(url2pathname(unquote(parts.path)))
            if not path.is_file():
                raise SourceError("connect", f"the video file {path} does not exist")
            return str(path), {}
        micros = str(int(max(self.spec.connect_timeout_s, self.spec.read_timeout_s) * 1_000_000))
        # analyzeduration: FFmpeg otherwise probes a live stream for ~2 s before the first frame,
        # which, with one open per health check, would be most of what a check costs.
        options = {"timeout": micros, "rw_timeout": micros, "analyzeduration": "1000000"}
        if self.scheme.startswith("rtsp"):
            options["rtsp_transport"] = "tcp"  # UDP loses packets through the city's NAT and 4G links
        netloc = parts.hostname or ""
        netloc = f"[{netloc}]" if ":" in netloc else netloc
        netloc += f":{parts.port}" if parts.port else ""
        if self.spec.username is not None:
            user, password = self.spec.username, self.spec.password or ""
        else:
            user = unquote(parts.username) if parts.username is not None else None
            password = unquote(parts.password or "")
        if user is not None:
            self._secret = password
            secret = f":{quote(password, safe='')}" if password else ""
            netloc = f"{quote(user, safe='')}{secret}@{netloc}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), options

    def _scrub(self, err: av.error.FFmpegError, target: str) -> av.error.FFmpegError:
        """Take the credentialed URL (and the bare password) out of an FFmpeg error in place, so
        neither the chained exception nor a logged traceback carries it."""
        secrets = [s for s in (target, self._secret, quote(self._secret, safe="")) if len(s) >= 3]

        def clean(value: Any) -> Any:
            if isinstance(value, str):
                for secret in secrets:
                    value = value.replace(secret, self._safe if secret == target else "***")
                return _USERINFO.sub(r"\1:***@", value)
            if isinstance(value, tuple | list):
                return type(value)(clean(v) for v in value)
            return value

        err.args = clean(err.args)
        return err

    def _open_error(self, err: av.error.FFmpegError) -> SourceError:
        spec, safe = self.spec, self._safe
        why = err.strerror or type(err).__name__
        if isinstance(err, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError):
            given = "refused the username and password" if spec.username or "@" in spec.url else "wants credentials"
            return SourceError("auth", f"{safe} {given} ({why})")
        if isinstance(err, av.error.ExitError | av.error.TimeoutError):
            return SourceError("timeout", f"{safe} did not answer within {spec.connect_timeout_s:g} s")
        if isinstance(err, av.error.ConnectionRefusedError):
            return SourceError("connect", f"{safe} refused the connection (nothing listening on that port)")
        if isinstance(err, av.error.ProtocolNotFoundError | av.error.DemuxerNotFoundError
                      | av.error.DecoderNotFoundError | av.error.OptionNotFoundError):
            return SourceError("unsupported", f"this FFmpeg build cannot read {safe} ({why})")
        if isinstance(err, av.error.HTTPNotFoundError):
            return SourceError("connect", f"{safe} does not exist on the camera (404 Not Found)")
        if isinstance(err, av.error.InvalidDataError):
            return SourceError("invalid_image", f"{safe} is not a video stream FFmpeg can read ({why})")
        return SourceError("connect", f"cannot open {safe} ({why})")

    def _read_error(self, err: av.error.FFmpegError) -> SourceError:
        why = err.strerror or type(err).__name__
        if isinstance(err, av.error.ExitError | av.error.TimeoutError):
            return SourceError("timeout", f"{self._safe} stopped sending for {self.spec.read_timeout_s:g} s")
        return SourceError("ended", f"{self._safe} broke off mid-stream ({why})")

    def _rewind(self) -> None:
        """A file camera plays forever: back to the first frame, reopening if seeking fails."""
        try:
            self._container.seek(0)
            self._packets = self._container.demux(self._stream)
        except av.error.FFmpegError:
            log.debug("seek failed on %s; reopening", self._safe)
            self.open()
