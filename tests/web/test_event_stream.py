"""The live event stream over a real HTTP server: each caller sees only what their role may."""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Literal

import httpx2 as httpx
from pydantic import BaseModel

from conftest import PASSWORD, add_user
from warroom.auth.principal import cli_principal
from warroom.bus import Event, InProcessBus
from warroom.city.schemas import AgencyIn
from warroom.container import WarRoom


class Note(BaseModel):
    text: str


class NoteEvent(Event):
    type: Literal["test.note"] = "test.note"
    payload: Note


class AdminNote(NoteEvent):
    audience = frozenset({"admin"})


def token(base: str, username: str) -> str:
    response = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    response.raise_for_status()
    return response.json()["access_token"]


def listen(base: str, secret: str, out: queue.Queue[dict[str, object]], until: str) -> None:
    """Collect events until one whose text is `until` arrives, then close the stream."""
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(timeout=httpx.Timeout(10, read=30)) as client:
        with client.stream("GET", f"{base}/api/v1/events/stream", headers=headers) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            name = "message"
            for line in response.iter_lines():
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    if name == "ready":
                        out.put({"ready": json.loads(line[5:])})
                    else:
                        event = json.loads(line[5:])
                        out.put(event)
                        if event["payload"]["text"] == until:
                            return
                elif not line:
                    name = "message"


def drain(out: queue.Queue[dict[str, object]], until: str) -> list[str]:
    texts: list[str] = []
    deadline = time.monotonic() + 10
    assert "ready" in out.get(timeout=10), "the stream must say it is ready first"
    while time.monotonic() < deadline:
        event = out.get(timeout=max(0.01, deadline - time.monotonic()))
        texts.append(event["payload"]["text"])  # type: ignore[index]
        if texts[-1] == until:
            return texts
    raise AssertionError(f"'{until}' did not arrive; got {texts}")


def test_each_role_sees_its_own_events(wr: WarRoom, live_server: str) -> None:
    wr.city.create_agency(AgencyIn(code="DISPU", name="Dinas Pekerjaan Umum"), actor=cli_principal())
    add_user(wr, "admin", "admin")
    add_user(wr, "viewer1", "viewer")
    add_user(wr, "pu1", "agency_officer", "DISPU")
    bus = wr.bus
    assert isinstance(bus, InProcessBus)
    before = bus.subscriber_count
    streams: dict[str, queue.Queue[dict[str, object]]] = {}
    for user in ("admin", "viewer1", "pu1"):
        streams[user] = queue.Queue()
        args = (live_server, token(live_server, user), streams[user], "city-wide")
        threading.Thread(target=listen, args=args, daemon=True).start()
    deadline = time.monotonic() + 10
    while bus.subscriber_count < before + 3:
        assert time.monotonic() < deadline, "the streams did not subscribe"
        time.sleep(0.02)

    bus.publish(AdminNote(source="test", payload=Note(text="admins only")))
    bus.publish(NoteEvent(source="test", agency_code="DLH", payload=Note(text="for DLH")))
    bus.publish(NoteEvent(source="test", agency_code="DISPU", payload=Note(text="for DISPU")))
    bus.publish(NoteEvent(source="test", payload=Note(text="city-wide")))

    assert drain(streams["admin"], "city-wide") == ["admins only", "for DLH", "for DISPU", "city-wide"]
    assert drain(streams["viewer1"], "city-wide") == ["for DLH", "for DISPU", "city-wide"]
    assert drain(streams["pu1"], "city-wide") == ["for DISPU", "city-wide"]


def test_stream_event_carries_the_whole_typed_event(wr: WarRoom, live_server: str) -> None:
    add_user(wr, "viewer1", "viewer")
    out: queue.Queue[dict[str, object]] = queue.Queue()
    before = wr.bus.subscriber_count  # type: ignore[attr-defined]
    args = (live_server, token(live_server, "viewer1"), out, "hello")
    threading.Thread(target=listen, args=args, daemon=True).start()
    while wr.bus.subscriber_count == before:  # type: ignore[attr-defined]
        time.sleep(0.02)
    sent = NoteEvent(source="camera:42", payload=Note(text="hello"))
    wr.bus.publish(sent)
    assert out.get(timeout=10) == {"ready": {"recheck_s": 30.0}}
    got = out.get(timeout=10)
    assert got["id"] == sent.id and got["type"] == "test.note" and got["source"] == "camera:42"
    assert got["payload"] == {"text": "hello"} and str(got["time"]).startswith(sent.time.strftime("%Y-%m-%dT%H:%M"))


def test_anonymous_callers_get_no_stream(live_server: str) -> None:
    response = httpx.get(f"{live_server}/api/v1/events/stream")
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
