"""Synthetic cameras: a street or a lorong drawn with OpenCV, with faults on demand.

The demo city, the tests and the benchmarks need thousands of cameras that look like CCTV to the
health checker (textured, sharp, a little sensor noise, things moving) and that fail on cue. A frame
is a pure function of (scene, seed, t, fault): the static background is drawn once per camera and
cached, so a frame costs a copy, a few shapes, noise and a timestamp.

    synthetic://street?seed=7&size=640x480&fault=blurred
    synthetic://lorong?seed=3&schedule=frozen:60-120,offline:300-330&cycle=600
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, NamedTuple, cast, get_args
from urllib.parse import parse_qs, urlsplit

import cv2
import numpy as np

from warroom.cameras.sources.base import FrameSource, SourceError, StreamSpec

Fault = Literal["offline", "frozen", "black", "blurred", "covered", "moved"]
FAULTS: tuple[str, ...] = get_args(Fault)
DEFAULT_CYCLE_S = 3600.0
_NOISE_PAD = 128  # the noise plane is this much larger than the frame; offsets pick a window


class Window(NamedTuple):
    """One scheduled fault: on while start_s <= (t mod cycle) < end_s."""

    fault: Fault
    start_s: float
    end_s: float


@dataclass(frozen=True)
class SyntheticConfig:
    """What a synthetic:// URL asks for."""

    scene: str
    seed: int = 0
    size: tuple[int, int] = (640, 480)
    fault: Fault | None = None
    schedule: tuple[Window, ...] = ()
    cycle_s: float = DEFAULT_CYCLE_S

    def active(self, t: float) -> tuple[Fault | None, float]:
        """The fault in force at clock time t and the clock time it began. A constant fault has
        been on since t=0, so a frozen camera shows the same picture to every check that opens it."""
        cycle_start = math.floor(t / self.cycle_s) * self.cycle_s  # exact, so frozen_at is too
        for window in self.schedule:
            if window.start_s <= t - cycle_start < window.end_s:
                return window.fault, cycle_start + window.start_s
        return self.fault, 0.0


def parse_url(url: str) -> SyntheticConfig:
    """Read a synthetic:// URL; a typo is an `unsupported` SourceError that says what is wrong."""
    parts = urlsplit(url)
    scene = parts.netloc or parts.path.strip("/")
    if parts.scheme != "synthetic" or scene not in SCENES:
        raise SourceError("unsupported", f"{url!r} is not a synthetic camera: use synthetic://<scene>, "
                          f"scene one of {', '.join(SCENES)}")
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    try:
        if unknown := set(query) - {"seed", "size", "fault", "schedule", "cycle"}:
            raise ValueError(f"unknown option(s) {', '.join(sorted(unknown))}")
        seed = int(query.get("seed", "0"))
        width, height = (int(v) for v in query.get("size", "640x480").lower().split("x"))
        cycle = float(query.get("cycle", DEFAULT_CYCLE_S))
        fault = _fault(query.get("fault") or None)
        schedule = tuple(_window(item) for item in query.get("schedule", "").split(",") if item)
        if not (16 <= width <= 4096 and 16 <= height <= 4096):
            raise ValueError(f"size {width}x{height} is outside 16x16..4096x4096")
        if cycle <= 0 or any(w.end_s > cycle for w in schedule):
            raise ValueError(f"every scheduled window must end within the cycle ({cycle:g} s)")
    except ValueError as err:
        raise SourceError("unsupported", f"bad synthetic camera URL {url!r}: {err} (expected seed=<int>, "
                          "size=<W>x<H>, fault=<fault>, schedule=<fault>:<start>-<end>,..., cycle=<seconds>)") from err
    return SyntheticConfig(scene, seed, (width, height), fault, schedule, cycle)


def _fault(name: str | None) -> Fault | None:
    if name is not None and name not in FAULTS:
        raise ValueError(f"unknown fault {name!r} (faults are {', '.join(FAULTS)})")
    return cast("Fault | None", name)


def _window(item: str) -> Window:
    name, _, span = item.partition(":")
    start, _, end = span.partition("-")
    window = Window(cast(Fault, _fault(name or "?")), float(start), float(end))
    if not 0 <= window.start_s < window.end_s:
        raise ValueError(f"schedule window {item!r} must have 0 <= start < end")
    return window


# ---- scenes: a background drawn once per camera, actors drawn per frame ------------------------

Color = tuple[int, int, int]
Actor = tuple[Any, ...]
SIGNS = ("TOKO", "APOTEK", "WARUNG", "BENGKEL", "LAUNDRY", "KOPI", "ATK", "PULSA")


def _box(img: np.ndarray, x0: float, y0: float, x1: float, y1: float, color: Color) -> None:
    cv2.rectangle(img, (int(x0), int(y0)), (int(x1), int(y1)), color, -1)


def _quad(img: np.ndarray, points: list[tuple[float, float]], color: Color) -> None:
    cv2.fillConvexPoly(img, np.array(points, np.int32), color, cv2.LINE_AA)


def _line(img: np.ndarray, a: tuple[float, float], b: tuple[float, float], color: Color, width: int = 1) -> None:
    cv2.line(img, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), color, max(1, width), cv2.LINE_AA)


def _color(rng: np.random.Generator, low: int, high: int) -> Color:
    return cast(Color, tuple(int(v) for v in rng.integers(low, high, 3)))


def _grain(img: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Fixed fine texture (plaster, asphalt grain): the detail a real lens resolves."""
    grain = rng.normal(0, sigma, img.shape[:2] + (1,)).astype(np.int16)
    return np.clip(img.astype(np.int16) + grain, 0, 255).astype(np.uint8)


def _street(rng: np.random.Generator, w: int, h: int, pose: Pose) -> tuple[np.ndarray, Actor]:
    """Shophouses (ruko), a pavement and a four-lane road seen across from a pole. The pose gives
    the road's top and bottom (fractions of the height), its slant and the zoom."""
    s = h / 480
    top, bottom, slope, zoom = pose
    edge = lambda x, f: (top + (bottom - top) * f) * h + slope * (x - w / 2)
    img = np.empty((h, w, 3), np.uint8)
    img[:] = np.linspace([235, 215, 190], [200, 190, 180], h, dtype=np.uint8)[:, None, :]
    x = float(-rng.integers(0, 40))
    while x < w:
        bw = float(rng.integers(70, 170)) * s * zoom
        base = edge(x + bw / 2, 0) - 0.06 * h
        roof = rng.uniform(0.0, 0.18) * h * (2 - zoom)
        _box(img, x, roof, x + bw, base, _color(rng, 120, 235))
        for wy in np.arange(roof + 12 * s, base - 0.17 * h, 30 * s * zoom):  # upper-floor windows
            for wx in np.arange(x + 8 * s, x + bw - 22 * s, 26 * s * zoom):
                _box(img, wx - 2, wy - 2, wx + 16 * s * zoom + 2, wy + 20 * s * zoom + 2, (220, 220, 215))
                _box(img, wx, wy, wx + 16 * s * zoom, wy + 20 * s * zoom, _color(rng, 50, 95))
        _box(img, x + 3, base - 0.16 * h, x + bw - 3, base - 0.12 * h, _color(rng, 20, 230))  # sign
        cv2.putText(img, str(rng.choice(SIGNS)), (int(x + 8 * s), int(base - 0.127 * h)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5 * s * zoom, (250, 250, 250), max(1, int(s)), cv2.LINE_AA)
        _box(img, x + 5, base - 0.11 * h, x + bw - 5, base, (150, 152, 150))  # rolling shutter
        for y in np.arange(base - 0.11 * h, base, 3 * s):
            _line(img, (x + 5, y), (x + bw - 5, y), (110, 112, 110))
        _line(img, (x, roof), (x, base), (60, 60, 60), int(2 * s))
        x += bw
    kerb = edge(0, 0), edge(w, 0)
    _quad(img, [(0, kerb[0] - 0.06 * h), (w, kerb[1] - 0.06 * h), (w, kerb[1]), (0, kerb[0])], (160, 165, 170))
    for tx in np.arange(0, w, 24 * s * zoom):
        _line(img, (tx, edge(tx, 0) - 0.06 * h), (tx, edge(tx, 0)), (130, 135, 140))
    _quad(img, [(0, edge(0, 0)), (w, edge(w, 0)), (w, edge(w, 1)), (0, edge(0, 1))], (84, 82, 80))
    _quad(img, [(0, edge(0, 1)), (w, edge(w, 1)), (w, h), (0, h)], (150, 158, 165))
    for f, color, width in ((0.0, (225, 225, 225), 2), (1.0, (225, 225, 225), 2), (0.5, (210, 230, 235), 3)):
        _line(img, (0, edge(0, f)), (w, edge(w, f)), color, int(width * s))
    for f in (0.25, 0.75):  # dashed lane lines
        for dx in np.arange(0, w, 64 * s * zoom):
            _line(img, (dx, edge(dx, f)), (dx + 32 * s * zoom, edge(dx + 32 * s * zoom, f)), (220, 220, 220), int(2 * s))
    for px in rng.uniform(0, w, 2):  # street lights
        _line(img, (px, edge(px, 0) - 0.02 * h), (px, 0.08 * h), (70, 70, 75), int(4 * s))
        _line(img, (px, 0.08 * h), (px + 40 * s, 0.1 * h), (70, 70, 75), int(3 * s))
    img = _grain(img, rng, 5.0)
    kinds = rng.choice(["car", "motor", "angkot", "bus"], p=[0.4, 0.35, 0.17, 0.08], size=9)
    actors = []
    for kind in kinds:
        lane = int(rng.integers(0, 4))
        scale = (0.6 + 0.17 * lane) * s * zoom
        speed = float(rng.uniform(35, 90)) * scale * (1.3 if kind == "motor" else 1.0)
        actors.append((lane, str(kind), scale, speed, float(rng.uniform(0, 5000)), _color(rng, 30, 230)))
    actors.sort(key=lambda a: a[0])
    return img, (w, s, edge, actors)


def _draw_street(img: np.ndarray, scene: Actor, t: float) -> None:
    w, s, edge, actors = scene
    span = w + 500 * s
    for lane, kind, sc, speed, phase, color in actors:
        x = (phase + speed * t) % span - 250 * s
        x = x if lane >= 2 else w - x
        y = edge(x, 0.125 + 0.25 * lane) + 10 * sc
        if kind == "motor":
            for wx in (x - 14 * sc, x + 14 * sc):
                cv2.circle(img, (int(wx), int(y - 7 * sc)), int(7 * sc), (25, 25, 25), -1)
            _box(img, x - 12 * sc, y - 16 * sc, x + 12 * sc, y - 9 * sc, color)
            _box(img, x - 5 * sc, y - 40 * sc, x + 5 * sc, y - 16 * sc, (color[2], color[0], color[1]))
            cv2.circle(img, (int(x), int(y - 46 * sc)), int(6 * sc), (40, 40, 40), -1)
            continue
        length, height = {"car": (80, 26), "angkot": (95, 40), "bus": (210, 60)}[kind] * np.array([sc, sc])
        body = (190, 110, 30) if kind == "angkot" else color
        if kind == "car":
            _box(img, x - length * 0.28, y - height - 17 * sc, x + length * 0.22, y - height, body)
            _box(img, x - length * 0.24, y - height - 14 * sc, x + length * 0.18, y - height - 1, (70, 60, 55))
        _box(img, x - length / 2, y - height, x + length / 2, y - 6 * sc, body)
        if kind != "car":
            for wx in np.arange(x - length / 2 + 6 * sc, x + length / 2 - 20 * sc, 24 * sc):
                _box(img, wx, y - height + 5 * sc, wx + 18 * sc, y - height * 0.5, (70, 60, 55))
        for wx in (x - length * 0.32, x + length * 0.32):
            cv2.circle(img, (int(wx), int(y - 6 * sc)), int(8 * sc), (20, 20, 20), -1)
            cv2.circle(img, (int(wx), int(y - 6 * sc)), int(3 * sc), (150, 150, 150), -1)


def _lorong(rng: np.random.Generator, w: int, h: int, pose: Pose) -> tuple[np.ndarray, Actor]:
    """A 2.2 m wide residential alley seen along its length from a wall bracket. The pose gives
    the vanishing point (fractions of width and height) and the camera's roll in radians."""
    s = h / 480
    focal, cx, cy, roll = 0.8 * w, pose[0] * w, pose[1] * h, pose[2]
    half, cam, cos, sin = 1.1, 2.6, math.cos(roll), math.sin(roll)

    def p(x: float, y: float, z: float) -> tuple[float, float]:
        u, v = focal * x / z, focal * (cam - y) / z
        return cx + u * cos - v * sin, cy + u * sin + v * cos

    img = np.empty((h, w, 3), np.uint8)
    img[:] = np.linspace([245, 235, 225], [215, 210, 205], h, dtype=np.uint8)[:, None, :]
    _quad(img, [p(-half, 0, 0.5), p(half, 0, 0.5), p(half, 0, 60), p(-half, 0, 60)], (120, 128, 132))

    def line(a: tuple[float, ...], b: tuple[float, ...], color: Color, width: float = 1) -> None:
        _line(img, p(*a), p(*b), color, int(width * s))

    for z in 1.12 ** np.arange(37):  # paving joints across the alley, then the gutter along it
        line((-half, 0, z), (half, 0, z), (95, 100, 104))
    line((0.6, 0, 0.6), (0.6, 0, 60), (70, 75, 80), 2)

    for x in (-half, half):
        z = 0.5
        while z < 60:  # one house per segment: plaster, tiled skirting, a door, a barred window
            n, top = float(rng.uniform(3, 7)), float(rng.choice([3.2, 3.6, 6.2]))
            plaster = _color(rng, 150, 235)
            _quad(img, [p(x, 0, z), p(x, top, z), p(x, top, z + n), p(x, 0, z + n)], plaster)
            if rng.random() < 0.6:  # bare brick where the plaster fell off
                b0, b1 = z + float(rng.uniform(0, n / 2)), z + n * float(rng.uniform(0.6, 1.0))
                _quad(img, [p(x, 0.4, b0), p(x, 2.6, b0), p(x, 2.6, b1), p(x, 0.4, b1)], (70, 95, 160))
                for y in np.arange(0.4, 2.6, 0.12):
                    line((x, y, b0), (x, y, b1), (140, 160, 190))
                    for zb in np.arange(b0 + (0.12 if round(y / 0.12) % 2 else 0.0), b1, 0.25):
                        line((x, y, zb), (x, min(y + 0.12, 2.6), zb), (140, 160, 190))
            _quad(img, [p(x, 0, z), p(x, 0.4, z), p(x, 0.4, z + n), p(x, 0, z + n)], _color(rng, 80, 130))
            for zt in np.arange(z, z + n, 0.3):
                line((x, 0, zt), (x, 0.4, zt), (60, 60, 60))
            d0 = z + float(rng.uniform(0.3, n - 1.2))
            _quad(img, [p(x, 0, d0), p(x, 2.1, d0), p(x, 2.1, d0 + 0.9), p(x, 0, d0 + 0.9)], _color(rng, 30, 120))
            for y in (0.7, 1.4):  # door panels
                line((x, y, d0 + 0.1), (x, y, d0 + 0.8), (20, 20, 20))
            w0 = d0 + 1.1 if d0 + 2.1 < z + n else z + 0.2
            for y0 in (1.1, 3.9) if top > 5 else (1.1,):
                _quad(img, [p(x, y0, w0), p(x, y0 + 0.8, w0), p(x, y0 + 0.8, w0 + 0.8), p(x, y0, w0 + 0.8)],
                      (60, 55, 50))
                for bar in np.linspace(w0 + 0.1, w0 + 0.7, 4):
                    line((x, y0, bar), (x, y0 + 0.8, bar), (200, 200, 200))
            line((x, top, z), (x, top, z + n), (40, 40, 40), 3)  # roof edge
            line((x, 0, z), (x, top, z), (60, 60, 60), 2)
            line((x * 0.97, 0, z + 0.15), (x * 0.97, top, z + 0.15), (170, 170, 170), 3)  # drain pipe
            z += n
    for zw in rng.uniform(2, 25, 5):  # sagging cables across, laundry on one of them
        pts = [p(x, 3.4 - 0.4 * (1 - (x / half) ** 2), zw) for x in np.linspace(-half, half, 12)]
        cv2.polylines(img, [np.array(pts, np.int32)], False, (30, 30, 30), max(1, int(1.5 * s)), cv2.LINE_AA)
    zl = float(rng.uniform(5, 9))
    for x in np.linspace(-half + 0.2, half - 0.3, 6):
        u, v = p(x, 3.0, zl)
        _box(img, u, v, u + focal * 0.25 / zl, v + focal * 0.5 / zl, _color(rng, 40, 250))
    img = _grain(img, rng, 6.0)
    actors = []
    for i in range(6):
        motor = i >= 4
        speed = float(rng.uniform(3, 5) if motor else rng.uniform(0.9, 1.5)) * float(rng.choice([-1, 1]))
        actors.append((motor, float(rng.uniform(-half + 0.35, half - 0.35)), speed, float(rng.uniform(0, 30)),
                       _color(rng, 30, 230), _color(rng, 20, 120)))
    return img, (p, actors)


def _draw_lorong(img: np.ndarray, scene: Actor, t: float) -> None:
    p, actors = scene
    placed = sorted(((3.5 + (a[3] + a[2] * t) % 30, a) for a in actors), key=lambda item: -item[0])
    for z, (motor, x, speed, _, shirt, scarf) in placed:
        fx, fy = p(x, 0, z)
        unit = p(x, 1.0, z)[1] - fy  # pixels per metre at this depth (negative: up)
        thick = max(1, int(-unit * 0.08))
        if motor:
            _box(img, fx - 0.05 * -unit, fy + 0.6 * unit, fx + 0.05 * -unit, fy, (25, 25, 25))
            _box(img, fx - 0.25 * -unit, fy + 0.8 * unit, fx + 0.25 * -unit, fy + 0.45 * unit, shirt)
        swing = 0.12 * math.sin(t * 2 * abs(speed) * 2.5 + x * 7) * -unit
        hip = fy + (1.25 if motor else 0.85) * unit
        for leg in (-swing, swing) if not motor else ():
            _line(img, (fx + leg, fy), (fx, hip), (50, 45, 40), thick)
        _box(img, fx - 0.2 * -unit, hip + 0.6 * unit, fx + 0.2 * -unit, hip, shirt)
        cv2.circle(img, (int(fx), int(hip + 0.72 * unit)), max(1, int(-unit * 0.12)), scarf, -1, cv2.LINE_AA)


Pose = tuple[float, ...]
SceneBuilder = Callable[[np.random.Generator, int, int, Pose], tuple[np.ndarray, Actor]]
SCENES: dict[str, tuple[SceneBuilder, Callable[[np.ndarray, Actor, float], None]]] = {
    "street": (_street, _draw_street),
    "lorong": (_lorong, _draw_lorong),
}
# The first pose is the camera as installed; the others are where a knocked camera ends up.
POSES: dict[str, tuple[Pose, ...]] = {
    "street": ((0.50, 0.90, 0.0, 1.0), (0.2, 0.7, 0.35, 0.8), (0.85, 1.2, -0.3, 1.6), (0.25, 0.95, -0.45, 1.2)),
    "lorong": ((0.5, 0.38, 0.0), (0.8, -0.1, -0.3), (0.1, -0.3, 0.5), (0.9, -0.4, -0.5), (0.88, 0.55, 0.0)),
}
# Distinct backgrounds per scene. Seeds share them (seed % LAYOUTS) so that one worker's cache
# holds every one (~60 MB at 640x480) however many cameras it renders; the traffic is shifted in
# time per seed, so cameras sharing a layout still show different scenes.
LAYOUTS = 32


# ---- rendering ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4 * LAYOUTS + 32)
def _scene(scene: str, layout: int, width: int, height: int, view: int) -> tuple[np.ndarray, Any]:
    """The static background (read-only, clipped to 253 so noise cannot wrap) and its actors.

    View 0 is the camera as installed. View 1 ("moved") takes whichever knocked pose looks least
    like view 0 in a 32x24 thumbnail, so a moved camera is never accidentally similar to its
    reference. ~15 ms (street) to ~75 ms (lorong, moved) the first time, then cached."""
    builder, index = SCENES[scene][0], list(SCENES).index(scene)

    def build(pose: int) -> tuple[np.ndarray, Any]:
        rng = np.random.default_rng([layout, index, pose])
        return builder(rng, width, height, POSES[scene][pose])

    background, actors = build(0)
    if view:
        reference = _thumbnail(background)
        candidates = [build(pose) for pose in range(1, len(POSES[scene]))]
        background, actors = min(candidates, key=lambda c: abs(np.corrcoef(reference, _thumbnail(c[0]))[0, 1]))
    np.minimum(background, 253, out=background)
    background.setflags(write=False)
    return background, actors


def _thumbnail(frame: np.ndarray) -> np.ndarray:
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    return cv2.GaussianBlur(cv2.resize(gray, (32, 24), interpolation=cv2.INTER_AREA), (3, 3), 0).ravel()


@functools.lru_cache(maxsize=16)
def _noise(width: int, height: int) -> np.ndarray:
    """Sensor noise (0..2 per channel), larger than the frame so each t can take its own window."""
    rng = np.random.default_rng(width * 10007 + height)
    plane = rng.integers(0, 3, size=(height + _NOISE_PAD, width + _NOISE_PAD, 3), dtype=np.uint8)
    plane.setflags(write=False)
    return plane


@functools.lru_cache(maxsize=16)
def _lens_cover(width: int, height: int) -> np.ndarray:
    """A hand or a plastic bag on the lens: one dim colour with a faint fall-off to the corners."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    r = np.hypot((xx - width / 2) / width, (yy - height / 2) / height)
    shade = (38 + 5 * (1 - r)).astype(np.float32)
    frame = np.dstack([shade * 0.8, shade * 0.95, shade * 1.15]).astype(np.uint8)
    frame.setflags(write=False)
    return frame


def _add_noise(frame: np.ndarray, seed: int, t: float) -> np.ndarray:
    """Add the noise window for (seed, t): a bijection of the millisecond over 16,384 windows, so
    frames taken within 16 s of each other never share noise even when nothing moves."""
    height, width = frame.shape[:2]
    k = (round(t * 1000) + seed * 7919) * 10007 % (_NOISE_PAD * _NOISE_PAD)
    dy, dx = divmod(k, _NOISE_PAD)
    frame += _noise(width, height)[dy : dy + height, dx : dx + width]
    return frame


def _timestamp(frame: np.ndarray, t: float) -> None:
    """The on-screen clock every CCTV camera burns in (WITA, UTC+8), as operators expect to see."""
    text = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t + 8 * 3600))
    scale = frame.shape[0] / 960
    origin = (int(10 * scale * 2), int(28 * scale * 2))
    cv2.putText(frame, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(frame, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (235, 235, 235), 1, cv2.LINE_AA)


def render_frame(scene: str, seed: int, t: float, fault: str | None = None,
                 size: tuple[int, int] = (640, 480), frozen_at: float = 0.0) -> np.ndarray:
    """One BGR frame of `scene` at time t (seconds), with `fault` applied. Pure in its arguments.

    `frozen` returns the normal frame of time `frozen_at`, whatever t is: a stuck encoder repeats
    one picture to the byte. `offline` has no picture and raises SourceError("connect").
    """
    if scene not in SCENES:
        raise SourceError("unsupported", f"unknown synthetic scene {scene!r}; scenes are {', '.join(SCENES)}")
    if fault == "offline":
        raise SourceError("connect", f"synthetic {scene} camera {seed} is offline (simulated fault)")
    if fault == "frozen":
        return render_frame(scene, seed, frozen_at, None, size)
    if fault is not None and fault not in FAULTS:
        raise SourceError("unsupported", f"unknown fault {fault!r}; faults are {', '.join(FAULTS)}")
    width, height = size
    if fault == "covered":
        return _add_noise(_lens_cover(width, height).copy(), seed, t)
    background, actors = _scene(scene, seed % LAYOUTS, width, height, 1 if fault == "moved" else 0)
    frame = background.copy()
    SCENES[scene][1](frame, actors, t + 97.3 * (seed // LAYOUTS))
    _timestamp(frame, t)  # burnt in before the fault: a blurred or dark picture hides it too
    if fault == "blurred":  # defocus / water on the dome: a wide blur, done small to stay cheap
        small = cv2.resize(frame, (max(width // 4, 2), max(height // 4, 2)), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (0, 0), 2.5)
        frame = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    elif fault == "black":  # night, IR illuminator dead: a trace of the scene under the noise
        frame = cv2.convertScaleAbs(frame, alpha=0.03)
    return _add_noise(frame, seed, t)


def encode_jpeg(frame: np.ndarray, quality: int = 80) -> bytes:
    """JPEG bytes as a snapshot camera would send them."""
    ok, buffer = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise SourceError("invalid_image", "OpenCV could not encode the frame as JPEG")
    return buffer.tobytes()


# ---- the source --------------------------------------------------------------------------------


class SyntheticSource(FrameSource):
    """A camera that needs no network: frames drawn from the clock, faults from the URL. Stateless
    between opens, like the health checker's one-source-per-check use of real cameras."""

    type: ClassVar[str] = "synthetic"

    def __init__(self, spec: StreamSpec, clock: Callable[[], float] = time.time) -> None:
        super().__init__(spec)
        self.config = parse_url(spec.url)
        self._clock = clock
        self._open = False

    def open(self) -> None:
        self._open = False
        if self.config.active(self._clock())[0] == "offline":
            raise SourceError("connect", f"{self.spec.url} does not answer (simulated offline fault)")
        self._open = True

    def read(self) -> np.ndarray:
        if not self._open:
            raise SourceError("connect", f"{self.spec.url} was read before a successful open()")
        t = self._clock()
        fault, since = self.config.active(t)
        cfg = self.config
        return render_frame(cfg.scene, cfg.seed, t, fault, cfg.size, frozen_at=since)

    def close(self) -> None:
        self._open = False
