"""Photos sent with a report: checked by content, cleaned of every metadata, re-encoded, stored
outside the web root, all or nothing with their report, served publicly (not for spam), and
removed after the retention period.

Photos are made with Pillow here (a phone-like JPEG with GPS EXIF, XMP, an ICC profile and a
comment; PNG; WebP) and by hand (a decompression bomb, a renamed ELF, a zip).
"""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageCms
from reports_support import a_point_in, reports_city  # noqa: F401 (fixture)
from sqlalchemy import func, select

from warroom.app import create_app
from warroom.auth.principal import cli_principal
from warroom.container import WarRoom
from warroom.db import utcnow
from warroom.errors import OutsideCity
from warroom.reports.models import Report, ReportPhoto
from warroom.reports.photos import MAX_PIXELS, PhotoRefused, PhotoUpload
from warroom.reports.schemas import ReportChange, ReportIn

ME = cli_principal()
GPS = {1: "S", 2: (5.0, 8.0, 51.0), 3: "E", 4: (119.0, 25.0, 57.0)}  # a house in Makassar
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>'


def phone_jpeg(width: int = 4000, height: int = 3000) -> bytes:
    """A landscape sensor image saved with "rotate 90° CW to view" (EXIF 6), like a portrait phone
    photo: red on top, blue below; plus GPS, the phone's make and serial, XMP, ICC and a comment."""
    img = Image.new("RGB", (width, height), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, width, height // 2))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation
    exif[0x010F] = "PhonePabrik"  # make
    exif[0xA431] = "SN-1234567890"  # body serial number
    exif[0x8825] = GPS
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92, exif=exif.tobytes(), icc_profile=icc, comment=b"rumah Pak Budi", xmp=XMP)
    return out.getvalue()


def encoded(fmt: str, mode: str = "RGB", size: tuple[int, int] = (640, 480)) -> bytes:
    img = Image.new(mode, size, (0, 128, 0, 128) if mode == "RGBA" else (0, 128, 0))
    out = io.BytesIO()
    img.save(out, fmt)
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A 1-bit black PNG of width × height written row by row: a few KB on disk, gigabytes decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(9)
    row = b"\0" * (1 + (width + 7) // 8)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


class Endless(io.RawIOBase):
    """`size` bytes of a JPEG-looking upload, made up as they are read; counts what was read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.read_bytes if n < 0 else min(n, self.size - self.read_bytes)
        self.read_bytes += n
        return (b"\xff\xd8\xff\xe0" + b"\0" * n)[:n]


def upload(data: bytes | BinaryIO, name: str = "foto.jpg") -> PhotoUpload:
    return PhotoUpload(stream=io.BytesIO(data) if isinstance(data, bytes) else data, filename=name)


def report_in(wr: WarRoom, **fields: object) -> ReportIn:
    lat, lon = a_point_in(wr, 4)
    return ReportIn.model_validate({"service_code": "DRAINASE", "lat": lat, "lon": lon, **fields})


def photo_dir(wr: WarRoom) -> Path:
    return wr.settings.data_dir / "report-photos"


def stored_files(wr: WarRoom) -> list[Path]:
    folder = photo_dir(wr)
    return sorted(folder.iterdir()) if folder.exists() else []


def assert_nothing_stored(wr: WarRoom) -> None:
    with wr.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 0
        assert s.scalar(select(func.count()).select_from(ReportPhoto)) == 0
    assert stored_files(wr) == []


def photo_rows(wr: WarRoom) -> list[ReportPhoto]:
    with wr.db.session() as s:
        return list(s.scalars(select(ReportPhoto).order_by(ReportPhoto.id)))


# ---- cleaning ------------------------------------------------------------------------------------


def test_a_phone_jpeg_is_stored_upright_smaller_and_without_any_metadata(reports_city: WarRoom) -> None:
    wr = reports_city
    original = phone_jpeg()
    with Image.open(io.BytesIO(original)) as check:  # the test photo really carries it all
        assert check.getexif().get_ifd(0x8825)[2] == (5.0, 8.0, 51.0)
        assert "icc_profile" in check.info and "xmp" in check.info and check.info["comment"] == b"rumah Pak Budi"

    created = wr.reports_public.file(report_in(wr), [upload(original)], actor=ME)

    (row,) = photo_rows(wr)
    (path,) = stored_files(wr)
    assert path.name == row.filename and len(row.filename) == 36 and row.filename.endswith(".jpg")
    assert "static" not in path.parts and path.parent == wr.settings.data_dir / "report-photos"
    stored = path.read_bytes()
    assert stored != original and len(stored) == row.size_bytes < len(original)
    for trace in (b"Exif", b"PhonePabrik", b"SN-1234567890", b"rumah Pak Budi", b"adobe:ns:meta", b"ICC_PROFILE"):
        assert trace not in stored, trace
    with Image.open(path) as img:
        assert img.format == "JPEG" and img.mode == "RGB"
        assert dict(img.getexif()) == {} and not {"exif", "icc_profile", "xmp", "comment"} & set(img.info)
        # Upright: the sensor's top (red) is now on the right, and 4000 × 3000 became 1536 × 2048.
        assert img.size == (row.width, row.height) == (1536, 2048)
        right = img.getpixel((img.width - 10, img.height // 2))
        left = img.getpixel((10, img.height // 2))
        assert right[0] > 200 and right[2] < 60, right
        assert left[2] > 200 and left[0] < 60, left
    public = wr.reports.get_public(created.ticket)
    assert [(p.width, p.height) for p in public.photos] == [(1536, 2048)]


@pytest.mark.parametrize(
    ("data", "size"),
    [
        pytest.param(encoded("PNG", "RGBA"), (640, 480), id="png-with-alpha"),
        pytest.param(encoded("PNG", "P"), (640, 480), id="png-palette"),
        pytest.param(encoded("WEBP"), (640, 480), id="webp"),
        pytest.param(encoded("PNG", size=(5000, 400)), (2048, 164), id="wide-png-scaled"),
    ],
)
def test_png_and_webp_are_accepted_as_jpeg(reports_city: WarRoom, data: bytes, size: tuple[int, int]) -> None:
    wr = reports_city
    wr.reports_public.file(report_in(wr), [upload(data, "layar.png")], actor=ME)
    (path,) = stored_files(wr)
    with Image.open(path) as img:
        assert img.format == "JPEG" and img.size == size
        r, g, b = img.getpixel((5, 5))
        assert g > 100  # the green survived (a transparent PNG is flattened on white: lighter green)


# ---- refusals: each stores nothing ---------------------------------------------------------------

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 200


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(ELF, "not_image", id="renamed-elf"),
        pytest.param(ZIP, "not_image", id="renamed-zip"),
        pytest.param("Ini bukan foto, hanya teks.".encode(), "not_image", id="text"),
        pytest.param(b"GIF89a" + b"\x00" * 100, "not_image", id="gif-not-accepted"),
        pytest.param(phone_jpeg(800, 600)[:3000], "damaged", id="truncated-jpeg"),
        pytest.param(b"", "empty", id="empty"),
    ],
)
def test_a_file_that_is_not_a_usable_photo_is_refused(reports_city: WarRoom, data: bytes, reason: str) -> None:
    wr = reports_city
    good = upload(encoded("JPEG"))
    with pytest.raises(PhotoRefused) as refused:
        wr.reports_public.file(report_in(wr), [good, upload(data, "foto.jpg")], actor=ME)
    assert refused.value.reason == reason and refused.value.photo == 2
    assert refused.value.status == 422 and refused.value.code == f"photo_{reason}"
    if reason == "not_image":
        assert "not a JPEG, PNG or WebP image" in refused.value.message
    assert_nothing_stored(wr)


def test_a_50_mb_upload_is_refused_after_the_limit_without_reading_the_rest(reports_city: WarRoom) -> None:
    wr = reports_city
    limit = wr.settings.reports.photo_max_bytes
    huge = Endless(50 * 1024 * 1024)
    with pytest.raises(PhotoRefused) as refused:
        wr.reports_public.file(report_in(wr), [upload(huge)], actor=ME)
    assert refused.value.reason == "too_large" and "larger than 5 MB" in refused.value.message
    assert huge.read_bytes == limit + 1  # one byte past the limit, not 50 MB
    assert_nothing_stored(wr)


@pytest.mark.parametrize(
    ("width", "height"),
    [pytest.param(20_000, 20_000, id="400-megapixels"), pytest.param(8_000, 6_000, id="48-megapixels")],
)
def test_a_decompression_bomb_is_refused_before_decoding(reports_city: WarRoom, width: int, height: int) -> None:
    wr = reports_city
    bomb = png_bomb(width, height)
    assert len(bomb) < 200_000 and width * height > MAX_PIXELS
    with pytest.raises(PhotoRefused) as refused:
        wr.reports_public.file(report_in(wr), [upload(bomb, "foto.png")], actor=ME)
    assert refused.value.reason == "too_many_pixels"
    assert_nothing_stored(wr)


def test_more_photos_than_allowed_are_refused(reports_city: WarRoom) -> None:
    wr = reports_city
    assert wr.settings.reports.photos_per_report == 3
    with pytest.raises(PhotoRefused) as refused:
        wr.reports_public.file(report_in(wr), [upload(encoded("JPEG")) for _ in range(4)], actor=ME)
    assert refused.value.reason == "too_many" and "at most 3" in refused.value.message
    assert_nothing_stored(wr)


def test_files_written_for_a_report_that_is_then_refused_are_deleted(reports_city: WarRoom) -> None:
    wr = reports_city
    outside = ReportIn(service_code="DRAINASE", lat=-6.2, lon=106.8)  # Jakarta
    with pytest.raises(OutsideCity):
        wr.reports_public.file(outside, [upload(encoded("JPEG")), upload(encoded("PNG"))], actor=ME)
    assert photo_dir(wr).exists()  # the photos were written, then removed
    assert_nothing_stored(wr)


def test_as_many_photos_as_allowed_are_stored_with_their_report(reports_city: WarRoom) -> None:
    wr = reports_city
    created = wr.reports_public.file(
        report_in(wr), [upload(encoded("JPEG")), upload(encoded("PNG")), upload(encoded("WEBP"))], actor=ME
    )
    rows = photo_rows(wr)
    assert len(rows) == 3 and len(stored_files(wr)) == 3 and len({r.filename for r in rows}) == 3
    assert [p.id for p in wr.reports.get_public(created.ticket).photos] == [r.id for r in rows]
    assert all(r.content_type == "image/jpeg" and (r.width, r.height) == (640, 480) for r in rows)


# ---- serving -------------------------------------------------------------------------------------


def test_photos_are_served_publicly_except_for_spam(reports_city: WarRoom, client: TestClient) -> None:
    wr = reports_city
    first = wr.reports_public.file(report_in(wr), [upload(phone_jpeg(800, 600)), upload(encoded("PNG"))], actor=ME)
    lat, lon = a_point_in(wr, 6)
    second = wr.reports_public.file(
        ReportIn(service_code="SAMPAH", lat=lat, lon=lon), [upload(encoded("WEBP"))], actor=ME
    )
    photos = wr.reports.get_public(first.ticket).photos
    assert len(photos) == 2
    for photo in photos:
        answer = client.get(photo.url)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/jpeg"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "public, max-age=3600"
        assert answer.content[:2] == b"\xff\xd8" and b"Exif" not in answer.content
    other = wr.reports.get_public(second.ticket).photos[0]
    assert client.get(f"/lapor/{first.ticket}/foto/{other.id}").status_code == 404  # not this report's
    assert client.get(f"/lapor/{first.ticket}/foto/999999").status_code == 404
    assert client.get(f"/lapor/{first.ticket}/foto/abc").status_code in (404, 422)

    wr.reports.change(second.ticket, ReportChange(status="rejected", reject_reason="spam"), actor=ME)
    assert client.get(other.url).status_code == 404
    assert wr.reports_public.track(second.ticket).report.photos == []
    assert client.get(photos[0].url).status_code == 200  # the other report's stay


# ---- retention -----------------------------------------------------------------------------------


def test_retention_removes_photos_and_contact_of_long_closed_reports(reports_city: WarRoom) -> None:
    wr = reports_city
    days = wr.settings.reports.retention_days
    long_ago = utcnow() - timedelta(days=days + 3)
    contact = {"reporter": {"first_name": "Budi", "phone": "0812-3456-789", "email": "budi@example.id"}}

    def filed(kecamatan: int) -> str:
        lat, lon = a_point_in(wr, kecamatan)
        data = ReportIn.model_validate({"service_code": "DRAINASE", "lat": lat, "lon": lon, **contact})
        return wr.reports_public.file(data, [upload(encoded("JPEG"))], actor=ME).ticket

    old, recent, still_open = filed(0), filed(1), filed(2)
    wr.reports.change(old, ReportChange(status="resolved"), actor=ME, now=long_ago)
    wr.reports.change(recent, ReportChange(status="resolved"), actor=ME, now=utcnow() - timedelta(days=days - 3))
    assert len(stored_files(wr)) == 3

    result = wr.report_photos.purge_expired()

    assert (result.reports, result.photos) == (1, 1)
    assert len(stored_files(wr)) == 2
    gone = wr.reports.get(old)
    assert gone.photos == [] and gone.reporter.model_dump(exclude_none=True) == {}
    assert gone.status == "resolved" and gone.description is None  # the report itself stays
    for kept in (recent, still_open):
        report = wr.reports.get(kept)
        assert len(report.photos) == 1 and report.reporter.first_name == "Budi"
    assert wr.report_photos.purge_expired() == result.__class__(reports=0, photos=0)


def test_photos_are_not_served_from_static(reports_city: WarRoom) -> None:
    wr = reports_city
    wr.reports_public.file(report_in(wr), [upload(encoded("JPEG"))], actor=ME)
    (path,) = stored_files(wr)
    with TestClient(create_app(wr)) as client:
        assert client.get(f"/static/{path.name}").status_code == 404
        assert client.get(f"/static/../report-photos/{path.name}").status_code == 404
