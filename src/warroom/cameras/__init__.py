"""Cameras: the registry, their video sources, health checks, snapshots and the sweep over all."""
