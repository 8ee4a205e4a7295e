"""Photos sent with a report: checked by content, cleaned, re-encoded, stored outside the web root.

A resident's phone photo carries more than the pothole: EXIF with the GPS position of where it
was taken (often their home), the phone's make and serial, XMP, comments. And an upload named
`foto.jpg` may be anything: an executable, a zip, a 20,000 × 20,000 PNG of a few kilobytes that
expands to gigabytes when decoded. So every photo is

1. read up to `reports.photo_max_bytes` and no further (a 50 MB upload is refused after 5 MB),
2. identified by its content with Pillow (JPEG, PNG or WebP; the name and the declared type are
   ignored), its pixel count checked from the header *before* decoding (`MAX_PIXELS`),
3. decoded, turned upright by its EXIF orientation, converted to sRGB, and copied pixel by pixel
   into a new image, so no metadata (EXIF incl. GPS, XMP, ICC, comments) can survive,
4. scaled to at most `reports.photo_max_side` pixels per side and encoded as a new JPEG,
5. written under a random name in `data_dir/report-photos` (never under /static), served only
   through `GET /lapor/{ticket}/foto/{id}` (`reports.reading.photo_url`).

Steps 1-4 run for every photo before anything is stored: a report with one bad photo is refused
whole (see `reports.public`), and files written for a report that then fails are deleted.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Literal

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from warroom.auth.audit import AuditLog
from warroom.auth.principal import Principal
from warroom.config import Settings
from warroom.db import Database, utcnow
from warroom.errors import InvalidInput, NotFound
from warroom.reports.models import Report, ReportPhoto
from warroom.reports.schemas import CLOSED_STATUSES

_LOG = logging.getLogger(__name__)

PHOTO_DIR = "report-photos"
# 40 megapixels: more than any phone camera's full resolution (a 48 MP sensor saves 12 MP by
# default), far less than what would exhaust memory (40 MP RGBA decodes to 160 MB).
MAX_PIXELS = 40_000_000
FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 85
CHUNK = 64 * 1024
RETENTION_EVERY_S = 6 * 3600.0
# Who the audit log names for the retention job.
RETENTION = Principal(name="system:report-retention", role=None, kind="system")
_SRGB = ImageCms.createProfile("sRGB")

Reason = Literal["too_many", "too_large", "empty", "not_image", "too_many_pixels", "damaged"]


class PhotoRefused(InvalidInput):
    """A photo (or the set of photos) that is not accepted; nothing of the report is stored.

    `reason` is stable for the pages, which say it in the resident's language; `photo` is the
    1-based position of the photo in the upload (None for the whole set).
    """

    def __init__(self, message: str, *, reason: Reason, photo: int | None = None) -> None:
        super().__init__(message, details={"reason": reason, "photo": photo}, code=f"photo_{reason}")
        self.reason: Reason = reason
        self.photo = photo


@dataclass(frozen=True)
class PhotoUpload:
    """One uploaded file as the web layer hands it over: a readable stream and the sender's name."""

    stream: BinaryIO
    filename: str | None = None


@dataclass(frozen=True)
class CleanPhoto:
    """A photo re-encoded in memory, not yet stored."""

    jpeg: bytes
    width: int
    height: int


@dataclass(frozen=True)
class StoredPhoto:
    """A cleaned photo written to disk, waiting for (or carrying) its `report_photos` row."""

    filename: str
    width: int
    height: int
    size_bytes: int


@dataclass(frozen=True)
class PurgeResult:
    reports: int
    photos: int


def read_limited(stream: BinaryIO, limit: int, *, photo: int | None = None) -> bytes:
    """At most `limit` bytes of `stream`; one byte more and it is refused, unread beyond that."""
    data = bytearray()
    while True:
        chunk = stream.read(min(CHUNK, limit + 1 - len(data)))
        if not chunk:
            break
        data += chunk
        if len(data) > limit:
            raise PhotoRefused(
                f"{_which(photo)} is larger than {_megabytes(limit)}; send a smaller one", reason="too_large", photo=photo
            )
    if not data:
        raise PhotoRefused(f"{_which(photo)} is empty", reason="empty", photo=photo)
    return bytes(data)


def _which(photo: int | None) -> str:
    return f"photo {photo}" if photo else "the photo"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def clean(raw: bytes, *, max_side: int, photo: int | None = None) -> CleanPhoto:
    """`raw` as a new JPEG without metadata, upright and at most `max_side` pixels per side."""
    which = _which(photo)
    try:
        with Image.open(io.BytesIO(raw), formats=FORMATS) as probe:
            width, height = probe.size  # from the header: nothing decoded yet
            if width * height > MAX_PIXELS:
                raise _too_many_pixels(which, width, height, photo)
            probe.verify()
        with Image.open(io.BytesIO(raw), formats=FORMATS) as img:
            img.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale, far less memory
            upright = ImageOps.exif_transpose(img)
            pixels = _srgb(upright)
    except PhotoRefused:
        raise
    except Image.DecompressionBombError as err:  # Pillow's own limit, hit before ours when huge
        raise _too_many_pixels(which, 0, 0, photo) from err
    except UnidentifiedImageError as err:
        raise PhotoRefused(
            f"{which} is not a JPEG, PNG or WebP image (the file's content was checked, not its name)",
            reason="not_image", photo=photo,
        ) from err
    except (OSError, SyntaxError, ValueError, EOFError) as err:  # truncated or corrupt data
        raise PhotoRefused(f"{which} is damaged or incomplete; take or send it again", reason="damaged", photo=photo) from err
    pixels.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    # A brand-new image holds pixels only: nothing of the original's `info` (EXIF, XMP, ICC,
    # comments) can be written by the encoder.
    bare = Image.new("RGB", pixels.size)
    bare.paste(pixels)
    out = io.BytesIO()
    bare.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return CleanPhoto(jpeg=out.getvalue(), width=bare.width, height=bare.height)


def _too_many_pixels(which: str, width: int, height: int, photo: int | None) -> PhotoRefused:
    size = f" ({width} × {height})" if width else ""
    return PhotoRefused(
        f"{which} has too many pixels{size}; at most {MAX_PIXELS // 1_000_000} megapixels are accepted",
        reason="too_many_pixels", photo=photo,
    )


def _srgb(img: Image.Image) -> Image.Image:
    """RGB pixels in sRGB, transparency flattened onto white (a PNG screenshot, a WebP sticker)."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        img = flat
    icc = img.info.get("icc_profile")
    if icc and img.mode in ("RGB", "CMYK"):
        try:  # a Display P3 phone photo keeps its colours once its profile is dropped
            converted = ImageCms.profileToProfile(img, io.BytesIO(icc), _SRGB, outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            _LOG.debug("photo's ICC profile unusable; colours taken as sRGB", exc_info=True)
    return img.convert("RGB")


class PhotoStore:
    """The photos of reports: cleaning, files on disk, their rows, serving and retention."""

    def __init__(self, db: Database, audit: AuditLog, settings: Settings) -> None:
        self._db = db
        self._audit = audit
        self._limits = settings.reports
        self.folder = settings.data_dir / PHOTO_DIR

    # ---- before the report exists --------------------------------------------------------

    def prepare(self, uploads: Sequence[PhotoUpload]) -> list[CleanPhoto]:
        """Every photo read, checked and re-encoded, or `PhotoRefused` for the first bad one."""
        most = self._limits.photos_per_report
        if len(uploads) > most:
            raise PhotoRefused(f"{len(uploads)} photos sent; at most {most} per report", reason="too_many")
        return [
            clean(read_limited(u.stream, self._limits.photo_max_bytes, photo=i), max_side=self._limits.photo_max_side, photo=i)
            for i, u in enumerate(uploads, start=1)
        ]

    def write(self, photos: Sequence[CleanPhoto]) -> list[StoredPhoto]:
        """Each photo in its own file under a random name; all or none (written ones are removed)."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o750)
        stored: list[StoredPhoto] = []
        try:
            for photo in photos:
                name = f"{secrets.token_hex(16)}.jpg"
                temp = self.folder / f".{name}.part"
                with open(temp, "xb") as out:
                    out.write(photo.jpeg)
                os.chmod(temp, 0o640)
                os.replace(temp, self.folder / name)
                stored.append(StoredPhoto(name, photo.width, photo.height, len(photo.jpeg)))
        except OSError:
            self.discard(stored)
            raise
        return stored

    def discard(self, stored: Sequence[StoredPhoto]) -> None:
        """Remove written files (their report was not stored after all)."""
        for photo in stored:
            self._unlink(photo.filename)

    def add_rows(self, s: Session, report_id: int, stored: Sequence[StoredPhoto]) -> None:
        """The rows of `stored`, inside the caller's unit of work (the one storing the report)."""
        for photo in stored:
            s.add(ReportPhoto(
                report_id=report_id, filename=photo.filename, content_type="image/jpeg",
                width=photo.width, height=photo.height, size_bytes=photo.size_bytes,
            ))

    # ---- serving -------------------------------------------------------------------------

    def public_file(self, photo_id: int, *, ticket: str) -> Path:
        """The file of a photo anyone may see; `NotFound` for unknown ones, for a photo of another
        report than `ticket`, and for photos of reports rejected as spam."""
        with self._db.session() as s:
            row = s.execute(
                select(ReportPhoto.filename, Report.status, Report.reject_reason)
                .join(Report, Report.id == ReportPhoto.report_id)
                .where(ReportPhoto.id == photo_id, Report.ticket == ticket)
            ).first()
        if row is None or (row.status == "rejected" and row.reject_reason == "spam"):
            raise NotFound(f"no photo {photo_id}")
        path = self.folder / row.filename
        if not path.is_file():
            _LOG.warning("photo %d: file %s is missing", photo_id, row.filename)
            raise NotFound(f"no photo {photo_id}")
        return path

    # ---- retention -----------------------------------------------------------------------

    def purge_expired(self, *, actor: Principal = RETENTION, now: datetime | None = None) -> PurgeResult:
        """Photos and the reporter's contact details of reports closed over `retention_days` ago.

        The report itself stays (the city's statistics and the public record need it); what could
        identify or reach the resident goes. Rows go in one transaction, files after it commits:
        a crash in between leaves orphan files, never rows pointing at deleted files.
        """
        cutoff = (now or utcnow()) - timedelta(days=self._limits.retention_days)
        expired = (
            select(Report.id)
            .where(Report.status.in_(CLOSED_STATUSES), Report.closed_at.is_not(None), Report.closed_at < cutoff)
        )
        contact = (Report.first_name, Report.last_name, Report.email, Report.phone, Report.device_id, Report.account_id)
        with self._db.session() as s:
            files = s.scalars(select(ReportPhoto.filename).where(ReportPhoto.report_id.in_(expired))).all()
            if files:
                s.execute(delete(ReportPhoto).where(ReportPhoto.report_id.in_(expired)))
            with_contact = expired.where(or_(*(c.is_not(None) for c in contact)))
            scrubbed = s.execute(
                update(Report).where(Report.id.in_(with_contact)).values({c.key: None for c in contact})
                .execution_options(synchronize_session=False)
            ).rowcount
            if files or scrubbed:
                self._audit.record(
                    s, actor, "report.retention", details={"photos": len(files), "reports": scrubbed,
                                                           "closed_before": cutoff.isoformat()},
                )
        for name in files:
            self._unlink(name)
        if files or scrubbed:
            _LOG.info("retention: removed %d photos and the contact details of %d reports", len(files), scrubbed)
        return PurgeResult(reports=scrubbed, photos=len(files))

    async def run_forever(self) -> None:
        """Apply the retention every `RETENTION_EVERY_S` (one server; a fleet would take a lease)."""
        while True:
            try:
                await run_in_threadpool(self.purge_expired)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the job
                _LOG.warning("could not apply the report retention", exc_info=True)
            await asyncio.sleep(RETENTION_EVERY_S)

    def _unlink(self, filename: str) -> None:
        try:
            (self.folder / filename).unlink(missing_ok=True)
        except OSError:
            _LOG.warning("could not delete photo file %s", filename, exc_info=True)
