"""The city itself: its name, areas (kecamatan and kelurahan) and agencies (SKPD)."""
