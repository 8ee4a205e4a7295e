"""The public report pages' words, in Indonesian and English, written on the server.

Like the status page (`status_text`), the pages work without JavaScript on a cheap phone, so
they are rendered in one language per request (`?lang=en`) with times in the city's zone. The
few words the pages' scripts need (map popups) are handed to them by the page itself.
"""

from __future__ import annotations

from datetime import datetime

from warroom.web.status_text import Words

STRINGS: dict[str, dict[str, str]] = {
    "id": {
        "lang.label": "Bahasa",
        "brand": "Sombere: Lapor {city}",
        "brand.plain": "Sombere: Lapor",
        "nav.form": "Buat laporan",
        "nav.track": "Lacak laporan",
        "nav.map": "Peta laporan",
        # the form
        "form.title": "Laporkan masalah di kota",
        "form.intro": "Jalan rusak, lampu mati, sampah, banjir? Laporkan di sini. Tidak perlu mendaftar.",
        "emergency.title": "Darurat?",
        "emergency.text": "Untuk {names}: telepon 112 sekarang. Formulir ini tidak menggantikan panggilan darurat.",
        "category.label": "Apa masalahnya?",
        "category.choose": "— pilih kategori —",
        "category.other": "Lainnya",
        "category.emergency": "darurat",
        "location.label": "Di mana?",
        "location.help": "Ketuk peta untuk menandai lokasi, atau isi garis lintang dan bujur.",
        "location.mine": "Gunakan lokasi saya",
        "location.finding": "Mencari lokasi Anda…",
        "location.found": "Lokasi Anda ditandai. Geser peta atau ketuk lagi bila kurang tepat.",
        "location.denied": "Lokasi tidak bisa dibaca. Ketuk peta untuk menandai lokasi.",
        "location.lat": "Garis lintang (latitude)",
        "location.lon": "Garis bujur (longitude)",
        "location.map": "Peta untuk memilih lokasi",
        "address.label": "Patokan atau alamat (tidak wajib)",
        "address.help": "Misalnya: depan masjid, dekat lampu merah.",
        "description.label": "Keterangan",
        "description.help": "Jelaskan masalahnya. Jangan tulis nama atau nomor telepon orang lain.",
        "attrs.legend": "Pertanyaan tambahan untuk “{name}”",
        "attrs.optional": "tidak wajib",
        "attrs.datetime": "Tanggal dan jam ({zone})",
        "photos.label": "Foto (tidak wajib)",
        "photos.help": "Paling banyak {count} foto, masing-masing paling besar {size}: JPEG, PNG atau WebP.",
        "photos.public": "Foto dapat dilihat siapa saja di halaman laporan. Hindari wajah dan plat nomor. "
                         "Lokasi GPS dan data lain di dalam berkas foto dihapus otomatis.",
        "photos.one": "Foto {n}",
        "photos.again": "Pilih foto lagi: foto tidak ikut terkirim saat formulir dikembalikan.",
        "contact.legend": "Kontak Anda (tidak wajib)",
        "contact.note": "Tidak pernah ditampilkan ke publik. Hanya petugas yang melihatnya, untuk menghubungi Anda bila perlu.",
        "contact.name": "Nama",
        "contact.phone": "Nomor HP",
        "contact.email": "Email",
        "submit": "Kirim laporan",
        "sending": "Mengirim…",
        "errors.title": "Laporan belum terkirim. Periksa isian yang ditandai.",
        # field errors
        "err.category": "Pilih kategori.",
        "err.category_unknown": "Kategori ini tidak tersedia lagi. Pilih kategori lain.",
        "err.location": "Tandai lokasi di peta atau isi garis lintang dan bujur.",
        "err.number": "Isi dengan angka, misalnya -5.1477.",
        "err.outside": "Titik ini di luar wilayah kota. Tandai lokasi di dalam kota.",
        "err.too_long": "Terlalu panjang: paling banyak {max} karakter.",
        "err.email": "Alamat email tidak valid.",
        "err.phone": "Nomor HP tidak valid (hanya angka, +, spasi, tanda hubung).",
        "err.required": "Wajib diisi.",
        "err.attr_invalid": "Isian tidak valid.",
        "err.photo.too_many": "Paling banyak {count} foto.",
        "err.photo.too_large": "Foto {n} terlalu besar: paling besar {size}.",
        "err.photo.empty": "Foto {n} kosong.",
        "err.photo.not_image": "Berkas {n} bukan foto JPEG, PNG atau WebP.",
        "err.photo.too_many_pixels": "Foto {n} terlalu besar ukurannya (piksel). Kirim foto biasa dari kamera HP.",
        "err.photo.damaged": "Foto {n} rusak atau tidak lengkap. Coba kirim lagi.",
        "err.upload_too_large": "Kiriman terlalu besar: paling besar {size} seluruhnya. Kirim foto yang lebih kecil.",
        "err.upload_bad": "Kiriman tidak terbaca. Coba kirim lagi.",
        "err.csrf": "Formulir kedaluwarsa. Periksa isian lalu kirim lagi.",
        "err.other": "Laporan tidak dapat diterima: {message}",
        "rate.title": "Terlalu banyak laporan",
        "rate.text": "Dari jaringan Anda sudah masuk banyak laporan dalam waktu singkat. Coba lagi dalam {seconds} detik.",
        "back.form": "Kembali ke formulir",
        # tracking
        "track.title": "Laporan {ticket}",
        "track.thanks": "Terima kasih! Laporan Anda sudah diterima.",
        "track.keep": "Simpan nomor tiket ini untuk melacak laporan Anda: {ticket}",
        "track.lookup": "Lacak laporan",
        "track.lookup.label": "Nomor tiket",
        "track.lookup.help": "Misalnya {example}",
        "track.lookup.go": "Lacak",
        "track.status": "Status",
        "track.agency": "Ditangani oleh",
        "track.area": "Lokasi",
        "track.address": "Patokan",
        "track.filed": "Dilaporkan",
        "track.due": "Target selesai",
        "track.left": "sisa {time}",
        "track.late": "terlambat {time}",
        "track.closed_at": "Ditutup",
        "track.description": "Keterangan",
        "track.timeline": "Perkembangan",
        "track.photos": "Foto",
        "track.photo": "Foto {n} laporan {ticket}",
        "track.merged": "Laporan ini digabungkan dengan laporan {ticket} tentang masalah yang sama. "
                        "Status di bawah adalah status laporan {ticket}.",
        "track.merged.link": "Buka laporan {ticket}",
        "track.updated": "Diperbarui {time}. Waktu dalam {zone}.",
        "track.privacy": "Identitas pelapor tidak pernah ditampilkan.",
        "missing.title": "Laporan tidak ditemukan",
        "missing.text": "Tidak ada laporan dengan nomor “{ticket}”. Periksa nomor tiketnya (misalnya {example}).",
        # statuses (the progress line) and timeline
        "status.received": "Diterima",
        "status.verified": "Diverifikasi",
        "status.dispatched": "Diteruskan",
        "status.in_progress": "Dikerjakan",
        "status.resolved": "Selesai",
        "status.closed_not_fixed": "Ditutup",
        "status.rejected": "Ditolak",
        "status.text.received": "Laporan diterima dan menunggu diperiksa petugas.",
        "status.text.verified": "Laporan sudah diperiksa petugas.",
        "status.text.dispatched": "Laporan sudah diteruskan ke dinas yang menangani.",
        "status.text.in_progress": "Dinas sedang mengerjakannya.",
        "status.text.resolved": "Masalah sudah diselesaikan.",
        "status.text.closed_not_fixed": "Laporan ditutup tanpa perbaikan. Lihat catatan petugas.",
        "status.text.rejected": "Laporan ditolak. Lihat catatan petugas.",
        "timeline.filed": "Laporan masuk",
        "timeline.to": "Status: {status}",
        "duration.d": "{n} hari",
        # the map
        "map.title": "Peta laporan terbuka",
        "map.intro": "Laporan yang belum selesai. Identitas pelapor dan keterangan tidak ditampilkan di peta; "
                     "buka nomor tiket untuk rinciannya.",
        "map.canvas": "Peta laporan terbuka",
        "map.count": "{count} laporan terbuka",
        "map.capped": "Menampilkan {count} laporan terbaru.",
        "map.filter.kecamatan": "Kecamatan",
        "map.filter.category": "Kategori",
        "map.filter.all": "Semua",
        "map.filter.go": "Tampilkan",
        "map.list": "Daftar laporan terbuka",
        "map.empty": "Tidak ada laporan terbuka.",
        "map.more": "Daftar menampilkan {shown} dari {count} laporan; persempit dengan kecamatan atau kategori.",
        "map.loading": "Memuat peta…",
        "map.error": "Peta tidak dapat dimuat. Daftar di bawah tetap bisa dipakai.",
        "col.ticket": "Tiket",
        "col.category": "Kategori",
        "col.status": "Status",
        "col.kecamatan": "Kecamatan",
        "col.date": "Tanggal",
    },
    "en": {
        "lang.label": "Language",
        "brand": "Sombere: Report it, {city}",
        "brand.plain": "Sombere: Report it",
        "nav.form": "New report",
        "nav.track": "Track a report",
        "nav.map": "Report map",
        "form.title": "Report a problem in the city",
        "form.intro": "Broken road, street light out, rubbish, flooding? Report it here. No sign-up needed.",
        "emergency.title": "Emergency?",
        "emergency.text": "For {names}: call 112 now. This form does not replace an emergency call.",
        "category.label": "What is the problem?",
        "category.choose": "— choose a category —",
        "category.other": "Other",
        "category.emergency": "emergency",
        "location.label": "Where?",
        "location.help": "Tap the map to mark the place, or enter the latitude and longitude.",
        "location.mine": "Use my location",
        "location.finding": "Finding your location…",
        "location.found": "Your location is marked. Tap the map again if it is not quite right.",
        "location.denied": "Your location could not be read. Tap the map to mark the place.",
        "location.lat": "Latitude",
        "location.lon": "Longitude",
        "location.map": "Map to pick the place",
        "address.label": "Landmark or address (optional)",
        "address.help": "For example: in front of the mosque, near the traffic light.",
        "description.label": "Description",
        "description.help": "Describe the problem. Do not write other people's names or phone numbers.",
        "attrs.legend": "More questions for “{name}”",
        "attrs.optional": "optional",
        "attrs.datetime": "Date and time ({zone})",
        "photos.label": "Photos (optional)",
        "photos.help": "Up to {count} photos of at most {size} each: JPEG, PNG or WebP.",
        "photos.public": "Anyone can see the photos on the report's page. Avoid faces and number plates. "
                         "GPS location and other data inside the photo file are removed automatically.",
        "photos.one": "Photo {n}",
        "photos.again": "Choose the photos again: they are not kept when the form comes back.",
        "contact.legend": "Your contact details (optional)",
        "contact.note": "Never shown publicly. Only staff see them, to contact you if needed.",
        "contact.name": "Name",
        "contact.phone": "Mobile number",
        "contact.email": "Email",
        "submit": "Send report",
        "sending": "Sending…",
        "errors.title": "The report was not sent yet. Check the marked fields.",
        "err.category": "Choose a category.",
        "err.category_unknown": "This category is no longer available. Choose another one.",
        "err.location": "Mark the place on the map or enter latitude and longitude.",
        "err.number": "Enter a number, e.g. -5.1477.",
        "err.outside": "This point is outside the city. Mark a place inside the city.",
        "err.too_long": "Too long: at most {max} characters.",
        "err.email": "Not a valid email address.",
        "err.phone": "Not a valid mobile number (digits, +, spaces and dashes only).",
        "err.required": "Required.",
        "err.attr_invalid": "Not a valid answer.",
        "err.photo.too_many": "At most {count} photos.",
        "err.photo.too_large": "Photo {n} is too large: at most {size}.",
        "err.photo.empty": "Photo {n} is empty.",
        "err.photo.not_image": "File {n} is not a JPEG, PNG or WebP photo.",
        "err.photo.too_many_pixels": "Photo {n} has too many pixels. Send an ordinary phone camera photo.",
        "err.photo.damaged": "Photo {n} is damaged or incomplete. Try sending it again.",
        "err.upload_too_large": "The upload is too large: at most {size} in all. Send smaller photos.",
        "err.upload_bad": "The upload could not be read. Try again.",
        "err.csrf": "The form expired. Check the fields and send it again.",
        "err.other": "The report could not be accepted: {message}",
        "rate.title": "Too many reports",
        "rate.text": "Many reports came from your network in a short time. Try again in {seconds} seconds.",
        "back.form": "Back to the form",
        "track.title": "Report {ticket}",
        "track.thanks": "Thank you! Your report has been received.",
        "track.keep": "Keep this ticket number to track your report: {ticket}",
        "track.lookup": "Track a report",
        "track.lookup.label": "Ticket number",
        "track.lookup.help": "For example {example}",
        "track.lookup.go": "Track",
        "track.status": "Status",
        "track.agency": "Handled by",
        "track.area": "Place",
        "track.address": "Landmark",
        "track.filed": "Reported",
        "track.due": "Due",
        "track.left": "{time} left",
        "track.late": "{time} late",
        "track.closed_at": "Closed",
        "track.description": "Description",
        "track.timeline": "Progress",
        "track.photos": "Photos",
        "track.photo": "Photo {n} of report {ticket}",
        "track.merged": "This report was merged into report {ticket} about the same problem. "
                        "The status below is that of report {ticket}.",
        "track.merged.link": "Open report {ticket}",
        "track.updated": "Updated {time}. Times are {zone}.",
        "track.privacy": "The reporter's identity is never shown.",
        "missing.title": "Report not found",
        "missing.text": "There is no report numbered “{ticket}”. Check the ticket number (e.g. {example}).",
        "status.received": "Received",
        "status.verified": "Verified",
        "status.dispatched": "Forwarded",
        "status.in_progress": "In progress",
        "status.resolved": "Resolved",
        "status.closed_not_fixed": "Closed",
        "status.rejected": "Rejected",
        "status.text.received": "The report was received and waits for staff to check it.",
        "status.text.verified": "Staff have checked the report.",
        "status.text.dispatched": "The report was forwarded to the agency in charge.",
        "status.text.in_progress": "The agency is working on it.",
        "status.text.resolved": "The problem has been fixed.",
        "status.text.closed_not_fixed": "The report was closed without a fix. See the staff's note.",
        "status.text.rejected": "The report was rejected. See the staff's note.",
        "timeline.filed": "Report filed",
        "timeline.to": "Status: {status}",
        "duration.d": "{n} d",
        "map.title": "Map of open reports",
        "map.intro": "Reports not resolved yet. The map never shows who reported nor descriptions; "
                     "open a ticket number for its details.",
        "map.canvas": "Map of open reports",
        "map.count": "{count} open reports",
        "map.capped": "Showing the {count} newest reports.",
        "map.filter.kecamatan": "Kecamatan",
        "map.filter.category": "Category",
        "map.filter.all": "All",
        "map.filter.go": "Show",
        "map.list": "List of open reports",
        "map.empty": "No open reports.",
        "map.more": "The list shows {shown} of {count} reports; narrow it by kecamatan or category.",
        "map.loading": "Loading the map…",
        "map.error": "The map could not be loaded. The list below still works.",
        "col.ticket": "Ticket",
        "col.category": "Category",
        "col.status": "Status",
        "col.kecamatan": "Kecamatan",
        "col.date": "Date",
    },
}

# The progress line: the way a report normally goes; a closed-not-fixed or rejected report ends
# its line with that status instead of "resolved".
PROGRESS = ("received", "verified", "dispatched", "in_progress", "resolved")


class ReportWords(Words):
    """`Words` with the report pages' strings (and the status page's formatting)."""

    def t(self, key: str, **values: object) -> str:
        text = STRINGS[self.lang].get(key) or STRINGS["en"].get(key) or super().t(key)
        return text.format(**values) if values else text

    def long_duration(self, seconds: float) -> str:
        """"2 hari 3 jam" for deadlines days away; hours and minutes below a day."""
        if seconds >= 86_400:
            days, rest = divmod(int(seconds), 86_400)
            hours = rest // 3600
            parts = [self.t("duration.d", n=days)]
            if hours:
                parts.append(self.t("duration.h", n=hours))
            return " ".join(parts)
        return self.duration(seconds)

    def deadline(self, due: datetime, now: datetime) -> tuple[str, bool]:
        """("sisa 2 hari 3 jam", False) or ("terlambat 5 jam", True)."""
        left = (due - now).total_seconds()
        if left >= 0:
            return self.t("track.left", time=self.long_duration(left)), False
        return self.t("track.late", time=self.long_duration(-left)), True

    def progress(self, status: str) -> list[tuple[str, str]]:
        """The progress line's steps as (status, state) with state done | current | todo."""
        steps = list(PROGRESS)
        if status in ("closed_not_fixed", "rejected"):
            steps[-1] = status
        at = steps.index(status) if status in steps else 0
        return [(step, "done" if i < at else "current" if i == at else "todo") for i, step in enumerate(steps)]

    def date_only(self, at: datetime) -> str:
        local = at.astimezone(self.zone)
        return f"{self.day(local.date())} {local.year}"
