"""The event bus: typed events from every domain to whoever listens (incidents, the wall, logs).

Publishers call `bus.publish(event)`: synchronous, non-blocking and safe from any thread, so a
camera worker or a request handler never waits for a slow listener. The in-process bus hands each
subscriber its own bounded queue drained by its own task; a slow subscriber loses its oldest
events (counted and logged) rather than growing memory or stalling others, and a subscriber that
raises is logged and keeps receiving. A broker-backed bus (NATS JetStream) implements the same
`EventBus` interface: events carry an id so handlers can be idempotent under redelivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from warroom.db import utcnow

_LOG = logging.getLogger(__name__)

STAFF_ROLES = frozenset({"admin", "operator", "viewer", "agency_officer"})


class Event(BaseModel):
    """Base of every bus event. Subclasses set `type` and a typed `payload`.

    `audience` is the set of roles that may see the event on the live stream; an agency officer
    additionally sees only events of their own agency (`agency_code`) or events with none.
    """

    model_config = ConfigDict(frozen=True)

    audience: ClassVar[frozenset[str]] = STAFF_ROLES

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    type: str
    time: datetime = Field(default_factory=utcnow)
    source: str = Field(description="Who published it, e.g. 'city', 'camera:42'.")
    agency_code: str | None = None
    payload: BaseModel

    @classmethod
    def type_name(cls) -> str:
        """The `type` a subclass fixes, for subscribing to it."""
        return str(cls.model_fields["type"].default)

    def visible_to(self, role: str, agency_code: str | None) -> bool:
        if role not in self.audience:
            return False
        if role == "agency_officer" and self.agency_code is not None:
            return self.agency_code == agency_code
        return True

    def wire(self) -> dict[str, Any]:
        """JSON-ready form for the SSE stream and, later, the broker."""
        return self.model_dump(mode="json")


Handler = Callable[[Event], Awaitable[None]]


class EventBus(ABC):
    """What publishers and subscribers depend on; never an implementation."""

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...

    @property
    @abstractmethod
    def running(self) -> bool:
        """True between start() and stop(); publishing is only possible then."""

    @abstractmethod
    def publish(self, event: Event) -> None:
        """Hand `event` to the bus and return at once, from any thread."""

    @abstractmethod
    def subscribe(self, handler: Handler, types: Iterable[str] | None = None, *, name: str = "") -> "Subscription":
        """Call `handler` for each event (of `types`, or all) until the subscription is closed."""

    @abstractmethod
    def stream(self, types: Iterable[str] | None = None, *, maxsize: int = 1000) -> "EventStream":
        """Subscribe now and iterate events as they arrive (for SSE clients) until closed.

        The subscription exists when this returns, so a client told "ready" misses nothing.
        """


@dataclass(eq=False)
class Subscription:
    name: str
    types: frozenset[str] | None
    queue: asyncio.Queue[Event]
    handler: Handler | None = None
    dropped: int = 0
    task: asyncio.Task[None] | None = None
    _bus: "InProcessBus | None" = field(default=None, repr=False)

    def wants(self, event: Event) -> bool:
        return self.types is None or event.type in self.types

    def close(self) -> None:
        if self._bus is not None:
            self._bus._remove(self)


class EventStream:
    """Events of one subscription, in order; `close()` unsubscribes."""

    def __init__(self, sub: Subscription) -> None:
        self._sub = sub

    def __aiter__(self) -> "EventStream":
        return self

    async def __anext__(self) -> Event:
        return await self._sub.queue.get()

    async def next(self, timeout: float) -> Event | None:
        """The next event, or None after `timeout` seconds without one."""
        try:
            return await asyncio.wait_for(self._sub.queue.get(), timeout)
        except TimeoutError:
            return None

    def close(self) -> None:
        self._sub.close()


class InProcessBus(EventBus):
    """The bus of one process: fan-out to per-subscriber queues on the server's event loop."""

    def __init__(self, queue_size: int = 10_000) -> None:
        self._queue_size = queue_size
        self._subs: list[Subscription] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.published = 0

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for sub in self._subs:
            if sub.task is None and sub.handler is not None:
                sub.task = self._loop.create_task(self._drain(sub), name=f"bus:{sub.name}")

    async def stop(self) -> None:
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            if sub.task is not None:
                sub.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sub.task
        self._loop = None

    @property
    def running(self) -> bool:
        return self._loop is not None

    @property
    def subscriber_count(self) -> int:
        """Handlers and open streams (e.g. dashboards watching the feed)."""
        with self._lock:
            return len(self._subs)

    def publish(self, event: Event) -> None:
        loop = self._loop
        if loop is None:
            raise RuntimeError("event bus is not running; start it before publishing")
        self.published += 1
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._fan_out(event)
        else:
            loop.call_soon_threadsafe(self._fan_out, event)

    def _fan_out(self, event: Event) -> None:
        with self._lock:
            subs = [s for s in self._subs if s.wants(event)]
        for sub in subs:
            if sub.queue.full():
                sub.queue.get_nowait()
                sub.dropped += 1
                if sub.dropped == 1 or sub.dropped % 1000 == 0:
                    _LOG.warning("subscriber %s is too slow; %d events dropped", sub.name, sub.dropped)
            sub.queue.put_nowait(event)

    def subscribe(self, handler: Handler, types: Iterable[str] | None = None, *, name: str = "") -> Subscription:
        sub = self._add(types, self._queue_size, name or getattr(handler, "__qualname__", "handler"))
        sub.handler = handler
        if self._loop is not None:
            sub.task = self._loop.create_task(self._drain(sub), name=f"bus:{sub.name}")
        return sub

    async def _drain(self, sub: Subscription) -> None:
        assert sub.handler is not None
        while True:
            event = await sub.queue.get()
            try:
                await sub.handler(event)
            except Exception:  # noqa: BLE001 - one bad subscriber must not stop the others
                _LOG.exception("subscriber %s failed on event %s (%s)", sub.name, event.id, event.type)

    def stream(self, types: Iterable[str] | None = None, *, maxsize: int = 1000) -> EventStream:
        return EventStream(self._add(types, maxsize, "stream"))

    def _add(self, types: Iterable[str] | None, maxsize: int, name: str) -> Subscription:
        sub = Subscription(
            name=name,
            types=frozenset(types) if types is not None else None,
            queue=asyncio.Queue(maxsize=maxsize),
            _bus=self,
        )
        with self._lock:
            self._subs.append(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)
        if sub.task is not None:
            sub.task.cancel()


def create_bus(url: str) -> EventBus:
    if url.startswith("memory://"):
        return InProcessBus()
    raise ValueError(f"unsupported bus URL {url!r}")
