"""The city's applications: registry, probes, uptime, and the ingest API apps push to."""
