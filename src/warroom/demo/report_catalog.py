"""The demo's service catalog: what Makassar residents report most, and which SKPD handles it.

Codes are stable (Open311 clients store them). Deadlines follow the Jakarta CRM rule the issue
cites (coordinate within 6 hours, resolve within 7 days) unless a category needs faster work.
A few categories carry Open311 attributes so that every datatype of the spec is exercised
(string, number, datetime, text, singlevaluelist, multivaluelist).
"""

from __future__ import annotations

from warroom.reports.schemas import AttributeDef, AttributeValue, CategoryIn


def _values(*pairs: tuple[str, str]) -> list[AttributeValue]:
    return [AttributeValue(key=key, name=name) for key, name in pairs]


SEVERITY = AttributeDef(
    code="tingkat", datatype="singlevaluelist", required=True, order=1,
    description="Seberapa parah kerusakannya?",
    values=_values(("ringan", "Ringan (retak)"), ("sedang", "Sedang (berlubang)"), ("berat", "Berat (tidak bisa dilewati)")),
)
HOLE_WIDTH = AttributeDef(
    code="lebar_m", datatype="number", order=2, description="Perkiraan lebar lubang (meter)",
    datatype_description="Angka, misalnya 1.5",
)
LAMP_POLE = AttributeDef(
    code="nomor_tiang", datatype="string", order=1, description="Nomor tiang lampu (jika terlihat)",
    datatype_description="Tertulis di tiang, misalnya PJU-0123",
)
LAMP_SINCE = AttributeDef(
    code="mati_sejak", datatype="datetime", order=2, description="Sejak kapan lampu mati?",
    datatype_description="Tanggal dan jam, misalnya 2024-05-01T19:00:00+08:00",
)
WASTE_KIND = AttributeDef(
    code="jenis_sampah", datatype="multivaluelist", order=1, description="Jenis sampah (boleh lebih dari satu)",
    values=_values(("rumah_tangga", "Sampah rumah tangga"), ("plastik", "Plastik"), ("puing", "Puing bangunan"),
                   ("b3", "Berbahaya (B3)")),
)
FLOOD_DEPTH = AttributeDef(
    code="tinggi_air_cm", datatype="number", required=True, order=1, description="Perkiraan tinggi air (cm)",
)
FLOOD_NOTE = AttributeDef(
    code="kondisi", datatype="text", order=2, description="Kondisi warga sekitar (ada yang perlu dievakuasi?)",
)
FIRE_INFO = AttributeDef(
    code="info_darurat", datatype="string", variable=False, order=1,
    description="Kebakaran adalah keadaan darurat: segera telepon 112 atau Damkar 113.",
)


def _categories() -> list[CategoryIn]:
    return [
        CategoryIn(
            code="JALAN_RUSAK", name="Jalan rusak", name_en="Damaged road", group="Infrastruktur",
            description="Jalan berlubang, retak atau amblas.", description_en="Potholes, cracks or a sunken road.",
            keywords=["jalan", "lubang", "aspal"], agency_code="DISPU", attributes=[SEVERITY, HOLE_WIDTH],
        ),
        CategoryIn(
            code="LAMPU_MATI", name="Lampu jalan mati", name_en="Street light out", group="Infrastruktur",
            description="Lampu penerangan jalan umum (PJU) mati atau berkedip.",
            description_en="A public street light is out or flickering.",
            keywords=["lampu", "pju", "gelap"], agency_code="DISHUB", attributes=[LAMP_POLE, LAMP_SINCE],
        ),
        CategoryIn(
            code="SAMPAH", name="Sampah menumpuk", name_en="Uncollected rubbish", group="Kebersihan",
            description="Sampah menumpuk atau tidak diangkut.", description_en="Rubbish piling up or not collected.",
            keywords=["sampah", "kotor", "bau"], agency_code="DLH", resolve_hours=72, attributes=[WASTE_KIND],
        ),
        CategoryIn(
            code="DRAINASE", name="Drainase tersumbat", name_en="Blocked drain", group="Infrastruktur",
            description="Saluran air atau got tersumbat.", description_en="A blocked drain or gutter.",
            keywords=["got", "selokan", "saluran"], agency_code="DISPU",
        ),
        CategoryIn(
            code="BANJIR", name="Genangan dan banjir", name_en="Flooding", group="Bencana",
            description="Genangan air atau banjir di jalan dan permukiman.",
            description_en="Standing water or flooding in streets and homes.",
            keywords=["banjir", "genangan", "air"], agency_code="BPBD", coordinate_hours=2, resolve_hours=48,
            duplicate_radius_m=200, attributes=[FLOOD_DEPTH, FLOOD_NOTE],
        ),
        CategoryIn(
            code="POHON_TUMBANG", name="Pohon tumbang", name_en="Fallen tree", group="Kebersihan",
            description="Pohon atau dahan tumbang menghalangi jalan.", description_en="A fallen tree or branch.",
            keywords=["pohon", "dahan"], agency_code="DLH", coordinate_hours=2, resolve_hours=24,
        ),
        CategoryIn(
            code="PARKIR_LIAR", name="Parkir liar", name_en="Illegal parking", group="Ketertiban",
            description="Kendaraan parkir di tempat terlarang atau juru parkir liar.",
            description_en="Vehicles parked where it is forbidden, or unofficial parking attendants.",
            keywords=["parkir", "jukir"], agency_code="DISHUB", resolve_hours=24,
        ),
        CategoryIn(
            code="PKL", name="Pedagang kaki lima", name_en="Street vendors", group="Ketertiban",
            description="Pedagang kaki lima di trotoar atau badan jalan.",
            description_en="Street vendors on the pavement or the road.",
            keywords=["pkl", "trotoar", "lapak"], agency_code="SATPOLPP",
        ),
        CategoryIn(
            code="KEBAKARAN", name="Kebakaran", name_en="Fire", group="Darurat",
            description="Kebakaran rumah, lahan atau kendaraan. DARURAT: telepon 112.",
            description_en="A fire. EMERGENCY: call 112.",
            keywords=["api", "kebakaran", "asap"], agency_code="DAMKAR", emergency=True,
            notice="Darurat! Segera telepon 112 (atau Damkar 113). Laporan ini tidak menggantikan panggilan darurat.",
            coordinate_hours=0.25, resolve_hours=6, duplicate_radius_m=300, attributes=[FIRE_INFO],
        ),
    ]


def demo_categories(agency_codes: list[str]) -> list[CategoryIn]:
    """The demo catalog, without the categories whose agency is not among `agency_codes`."""
    present = {code.upper() for code in agency_codes}
    return [c for c in _categories() if c.agency_code in present]
