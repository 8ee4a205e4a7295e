"""The in-process bus: typed events, publishers never wait, a failing subscriber is isolated."""

from __future__ import annotations

import asyncio
import threading
from typing import Literal

from pydantic import BaseModel

from warroom.bus import Event, InProcessBus


class Note(BaseModel):
    text: str


class NoteEvent(Event):
    type: Literal["test.note"] = "test.note"
    payload: Note


class OtherEvent(Event):
    type: Literal["test.other"] = "test.other"
    payload: Note


class AdminOnly(Event):
    audience = frozenset({"admin"})
    type: Literal["test.admin"] = "test.admin"
    payload: Note


def note(text: str, **kw: object) -> NoteEvent:
    return NoteEvent(source="test", payload=Note(text=text), **kw)  # type: ignore[arg-type]


async def settle(bus: InProcessBus) -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def test_events_are_typed_with_id_time_and_source() -> None:
    event = note("hello")
    assert event.type == "test.note" and NoteEvent.type_name() == "test.note"
    assert len(event.id) == 32 and event.time.tzinfo is not None
    wire = event.wire()
    assert wire["payload"] == {"text": "hello"} and wire["source"] == "test"


def test_subscribers_get_their_types_in_order() -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        bus = InProcessBus()
        await bus.start()
        notes: list[str] = []
        everything: list[str] = []

        async def on_note(e: Event) -> None:
            notes.append(e.payload.text)  # type: ignore[attr-defined]

        async def on_any(e: Event) -> None:
            everything.append(e.type)

        bus.subscribe(on_note, types=["test.note"])
        bus.subscribe(on_any)
        for i in range(5):
            bus.publish(note(str(i)))
        bus.publish(OtherEvent(source="t", payload=Note(text="x")))
        await settle(bus)
        await bus.stop()
        return notes, everything

    notes, everything = asyncio.run(scenario())
    assert notes == ["0", "1", "2", "3", "4"]
    assert everything == ["test.note"] * 5 + ["test.other"]


def test_a_failing_subscriber_is_logged_and_keeps_receiving(caplog) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> tuple[int, list[str]]:
        bus = InProcessBus()
        await bus.start()
        calls = 0
        good: list[str] = []

        async def broken(e: Event) -> None:
            nonlocal calls
            calls += 1
            raise RuntimeError("subscriber bug")

        async def healthy(e: Event) -> None:
            good.append(e.payload.text)  # type: ignore[attr-defined]

        bus.subscribe(broken, name="broken")
        bus.subscribe(healthy)
        bus.publish(note("a"))
        bus.publish(note("b"))
        await settle(bus)
        await bus.stop()
        return calls, good

    calls, good = asyncio.run(scenario())
    assert calls == 2 and good == ["a", "b"]
    assert "subscriber broken failed" in caplog.text


def test_a_stuck_subscriber_never_blocks_the_publisher() -> None:
    async def scenario() -> tuple[int, int, list[str]]:
        bus = InProcessBus(queue_size=10)
        await bus.start()
        release = asyncio.Event()
        seen: list[str] = []

        async def stuck(e: Event) -> None:
            await release.wait()
            seen.append(e.payload.text)  # type: ignore[attr-defined]

        sub = bus.subscribe(stuck, name="stuck")
        bus.publish(note("0"))
        await settle(bus)
        # The subscriber is now stuck on event 0; 100 more must not block publish().
        for i in range(1, 101):
            bus.publish(note(str(i)))
        published = bus.published
        release.set()
        await settle(bus)
        await bus.stop()
        return published, sub.dropped, seen

    published, dropped, seen = asyncio.run(scenario())
    assert published == 101
    # A queue of 10: the oldest 90 waiting events were dropped, the newest 10 kept.
    assert dropped == 90
    assert seen == ["0"] + [str(i) for i in range(91, 101)]


def test_publish_from_another_thread_is_delivered() -> None:
    async def scenario() -> list[str]:
        bus = InProcessBus()
        await bus.start()
        got: list[str] = []
        done = asyncio.Event()

        async def on_note(e: Event) -> None:
            got.append(e.payload.text)  # type: ignore[attr-defined]
            done.set()

        bus.subscribe(on_note)
        thread = threading.Thread(target=bus.publish, args=(note("from a camera worker"),))
        thread.start()
        thread.join()
        await asyncio.wait_for(done.wait(), timeout=5)
        await bus.stop()
        return got

    assert asyncio.run(scenario()) == ["from a camera worker"]


def test_stream_unsubscribes_when_closed() -> None:
    async def scenario() -> tuple[str, int, int]:
        bus = InProcessBus()
        await bus.start()
        stream = bus.stream()
        during = bus.subscriber_count  # subscribed on return: nothing published now is missed
        bus.publish(note("live"))
        event = await asyncio.wait_for(stream.__anext__(), timeout=5)
        assert await stream.next(timeout=0.01) is None
        stream.close()
        await bus.stop()
        return event.payload.text, during, bus.subscriber_count  # type: ignore[attr-defined]

    text, during, after = asyncio.run(scenario())
    assert text == "live" and during == 1 and after == 0


def test_visibility_by_role_and_agency() -> None:
    assert note("x").visible_to("viewer", None)
    assert not AdminOnly(source="t", payload=Note(text="x")).visible_to("operator", None)
    assert AdminOnly(source="t", payload=Note(text="x")).visible_to("admin", None)
    mine = note("x", agency_code="DISPU")
    assert mine.visible_to("agency_officer", "DISPU")
    assert not mine.visible_to("agency_officer", "DLH")
    assert mine.visible_to("operator", None)
    assert note("city-wide").visible_to("agency_officer", "DLH")


def test_publishing_before_start_is_an_error() -> None:
    bus = InProcessBus()
    try:
        bus.publish(note("too early"))
    except RuntimeError as err:
        assert "not running" in str(err)
    else:
        raise AssertionError("publish before start must fail")
