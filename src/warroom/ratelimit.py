"""Request rate limits per caller, with the `limits` library (moving window).

Counters live where `storage_url` says: `memory://` for one server, `redis://...` when several
servers must share them (the same URL on every server). Over the limit, `hit` raises
`RateLimited`, which the web layer renders as 429 with `Retry-After`.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from warroom.errors import ConfigError, RateLimited

_LOG = logging.getLogger(__name__)


class RateLimiter:
    """`rate` (e.g. "600/minute") per key, for one kind of request (`what`, used in messages).

    `setting` names where the storage URL came from, for the start-up error when it is unusable.
    """

    def __init__(self, rate: str, storage_url: str, *, what: str, setting: str = "rate-limit storage") -> None:
        self.item: RateLimitItem = parse(rate)
        self.rate = rate
        self._what = what
        try:  # at start-up, so a bad URL or a missing Redis client stops the server, not a request
            storage: Storage = storage_from_string(storage_url)
        except Exception as err:  # noqa: BLE001 - any failure here is a configuration problem
            raise ConfigError(f"{setting} {storage_url!r} cannot be used: {err}") from err
        self._limiter = MovingWindowRateLimiter(storage)

    def hit(self, key: str) -> None:
        """Count one request of `key`; raise `RateLimited` when it is over the rate."""
        limiter = self._limiter
        try:
            allowed = limiter.hit(self.item, self._what, key)
            if allowed:
                return
            reset = limiter.get_window_stats(self.item, self._what, key).reset_time
        except Exception:  # noqa: BLE001 - a storage outage must not stop ingest; say so in the log
            _LOG.warning("rate-limit storage failed; %s of %s not limited", self._what, key, exc_info=True)
            return
        retry = max(1, math.ceil(reset - time.time()))
        raise RateLimited(
            f"too many {self._what} (limit {self.rate} per key); try again in {retry} s",
            retry_after_s=retry,
        )
