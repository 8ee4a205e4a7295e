"""A real RTSP camera for the tests: GStreamer's RTSP server serving H.264 at rtsp://127.0.0.1:PORT/cam.

Run with Debian's /usr/bin/python3 (PyGObject and the GstRtspServer typelib live in the system
Python, not in the venv). Packages: python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base
gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly (x264enc) gstreamer1.0-plugins-bad.

    /usr/bin/python3 tests/support/rtsp_server.py --port 8554 [--user U --password P] [--clip FILE]
    /usr/bin/python3 tests/support/rtsp_server.py --check   # exit 0 if this machine can serve

Prints "READY rtsp://127.0.0.1:PORT/cam" on stdout once it listens, so a test can wait for it.
With --user, every request needs HTTP-style Basic credentials (GstRtspServer.RTSPAuth), which is
how most IP cameras behave. The default source is `videotestsrc` (a moving ball over a pattern, so
consecutive frames differ); --clip serves a real CCTV clip in a loop instead. Only RTP over the
RTSP TCP connection is offered, so a client that asks for UDP transport fails (as it would through
the city's NAT), which lets the tests check that warroom forces TCP.
"""

from __future__ import annotations

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer

ENCODE = "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 bitrate=800 ! rtph264pay name=pay0 pt=96 config-interval=1"


def pipeline(args: argparse.Namespace) -> str:
    """The launch line of the media: a live test pattern, or a clip decoded and re-encoded."""
    if args.clip:
        source = f'filesrc location="{args.clip}" ! decodebin ! videoconvert ! videoscale'
    else:
        source = "videotestsrc is-live=true pattern=ball"
    caps = f"video/x-raw,format=I420,width={args.width},height={args.height},framerate={args.fps}/1"
    return f"( {source} ! videoconvert ! {caps} ! {ENCODE} )"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8554)
    parser.add_argument("--mount", default="/cam")
    parser.add_argument("--user")
    parser.add_argument("--password", default="")
    parser.add_argument("--clip", help="a video file to serve instead of the test pattern")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument("--check", action="store_true", help="only say whether this machine can serve")
    args = parser.parse_args()

    Gst.init(None)
    if args.check:
        absent = [name for name in ("videotestsrc", "x264enc", "rtph264pay", "decodebin")
                  if Gst.ElementFactory.find(name) is None]
        print(f"missing GStreamer elements: {', '.join(absent)}" if absent else "ok", flush=True)
        return 3 if absent else 0
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(pipeline(args))
    factory.set_shared(True)  # one encoder for all clients, like a camera
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)  # interleaved only: a client asking for UDP fails
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "viewer")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        server.set_auth(auth)
        factory.add_role_from_structure(Gst.Structure.from_string(
            "viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")[0])
    server.get_mount_points().add_factory(args.mount, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
        return 1

    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    print(f"READY rtsp://127.0.0.1:{args.port}{args.mount}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
