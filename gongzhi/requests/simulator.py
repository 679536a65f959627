"""Realistic signed device events, for the demo, the tests and the benchmark (`gongzhi device_simulate`).

The simulator runs beside the server with its settings, so it can derive each device's secret
(services.devices.device_secret) instead of being given them. An event is what a device would send:
a fresh event id, the event time (now, a few seconds back), a detail in the device's words, sometimes a
small JPEG; a run may repeat some events within the merge window (they join the open request) and
resend a few verbatim (replays, refused with 409)."""

import datetime
import http.client
import io
import json
import random
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field

from gongzhi.core import clock
from gongzhi.requests.choices import DeviceEventKind
from gongzhi.requests.models import Device
from gongzhi.requests.services.devices import SIGNATURE_HEADER, device_secret, sign

PATH = "/api/v1/devices/events"

DETAILS = {
    DeviceEventKind.DROWNING: ["检测到儿童在水塘边逗留，已语音劝离", "语音识别到“救命”，水边有人", "两名儿童翻越护栏靠近水面"],
    DeviceEventKind.HIGH_THROW: ["监测到高层有物体坠落", "识别到窗口抛出塑料袋", "楼下草坪有坠落物"],
    DeviceEventKind.WASTE_SORTING: ["厨余垃圾投入其他垃圾桶", "垃圾袋未破袋投放", "非投放时段在投放点堆放垃圾"],
    DeviceEventKind.ILLEGAL_PARKING: ["消防通道停放车辆超过 10 分钟", "车辆占用盲道和人行道", "非机动车堵塞单元出入口"],
    DeviceEventKind.EBIKE_IN_LIFT: ["电动自行车进入电梯，已语音提醒", "电梯轿厢内识别到电动车电池"],
    DeviceEventKind.HEARTBEAT: [""],
}


@dataclass
class Outcome:
    statuses: Counter = field(default_factory=Counter)
    created: int = 0  # events that filed a request
    merged: int = 0  # events that joined an open request
    heartbeats: int = 0
    errors: list = field(default_factory=list)
    latencies: list = field(default_factory=list)

    def note(self, status: int, answer: dict | None, seconds: float) -> None:
        self.statuses[status] += 1
        self.latencies.append(seconds)
        if status == 201 and answer:
            if answer.get("request_id") is None:
                self.heartbeats += 1
            elif answer.get("created"):
                self.created += 1
            else:
                self.merged += 1
        elif status != 201 and answer and sum(e.startswith(f"{status} ") for e in self.errors) < 5:
            self.errors.append(f"{status} {answer.get('detail', '')}")  # up to five of each status


def tiny_jpeg(rng: random.Random) -> bytes:
    """A small snapshot (what a camera would attach): a 64×48 JPEG of one colour."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (rng.randrange(256), rng.randrange(256), rng.randrange(256))).save(out, "JPEG")
    return out.getvalue()


def event_body(device: Device, kind: str, *, rng: random.Random, at: datetime.datetime | None = None,
               image: bool = False, event_id: str | None = None, detail: str | None = None) -> bytes:
    import base64

    at = at or clock.now() - datetime.timedelta(seconds=rng.randint(0, 5))
    data = {"device_id": device.uid, "event_id": event_id or uuid.uuid4().hex, "kind": kind,
            "time": clock.local(at).isoformat(timespec="seconds")}
    detail = rng.choice(DETAILS[DeviceEventKind(kind)]) if detail is None else detail
    if detail:
        data["detail"] = detail
    if image:
        data["image_base64"] = base64.b64encode(tiny_jpeg(rng)).decode()
    return json.dumps(data, ensure_ascii=False).encode()


def signed(device: Device, body: bytes, secrets: dict) -> str:
    if device.pk not in secrets:
        secrets[device.pk] = device_secret(device)
    return sign(secrets[device.pk], body)


def plan(devices: list[Device], count: int, *, rng: random.Random, heartbeat_share: float = 0.2,
         image_share: float = 0.05, replay_share: float = 0.0) -> list[tuple[Device, bytes, str]]:
    """`count` events over the devices: each device's registered kinds, some heartbeats, a few images
    and (replay_share) verbatim resends of an earlier event."""
    secrets: dict = {}
    events: list[tuple[Device, bytes, str]] = []
    for _ in range(count):
        if events and rng.random() < replay_share:
            events.append(rng.choice(events))
            continue
        device = rng.choice(devices)
        kinds = list(device.event_kinds) or [DeviceEventKind.HEARTBEAT]
        kind = DeviceEventKind.HEARTBEAT if rng.random() < heartbeat_share else rng.choice(kinds)
        body = event_body(device, kind, rng=rng, image=kind != DeviceEventKind.HEARTBEAT and rng.random() < image_share)
        events.append((device, body, signed(device, body, secrets)))
    return events


def connect(url: str, timeout: float = 10) -> http.client.HTTPConnection:
    """A connection to the server at `url`, for `post` to use again and again (kept alive when the server
    keeps it; http.client opens it again when the server has closed it after an answer)."""
    parts = urllib.parse.urlsplit(url)
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(parts.hostname, parts.port, timeout=timeout)
    conn.path_prefix = parts.path.rstrip("/") or ""
    return conn


def post(url: str, body: bytes, signature: str, timeout: float = 10,
         conn: http.client.HTTPConnection | None = None) -> tuple[int, dict | None]:
    """Post one signed event; over `conn` (from `connect`) if given, else over a connection of its own."""
    own = conn is None
    if own:
        conn = connect(url, timeout)
    try:
        conn.request("POST", conn.path_prefix + PATH, body=body, headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: signature})
        response = conn.getresponse()
        raw = response.read()
    except BaseException:
        conn.close()  # a half-done exchange: the next post starts on a fresh connection
        raise
    finally:
        if own:
            conn.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, None


def send(url: str, events: list[tuple[Device, bytes, str]], *, rate: float, threads: int = 8,
         deadline: float | None = None, timeout: float = 10) -> tuple[Outcome, float]:
    """Post the events to the server at `url`, at most `rate` per second over `threads` connections at a
    time, stopping at `deadline` (time.monotonic()), each answer awaited at most `timeout` seconds; returns
    the outcome and the seconds it took."""
    outcome, lock = Outcome(), threading.Lock()
    start = time.monotonic()
    cursor = iter(enumerate(events))

    def worker():
        conn = connect(url, timeout)  # one per thread, reused: no connection's setup in the client's CPU per event
        while True:
            with lock:
                item = next(cursor, None)
            if item is None:
                conn.close()
                return
            n, (_, body, signature) = item
            due = start + n / rate if rate else time.monotonic()
            if deadline is not None and max(due, time.monotonic()) > deadline:
                conn.close()
                return
            time.sleep(max(0.0, due - time.monotonic()))
            began = time.monotonic()
            try:
                status, answer = post(url, body, signature, conn=conn)
            except OSError as exc:
                status, answer = 0, {"detail": repr(exc)}
            with lock:
                outcome.note(status, answer, time.monotonic() - began)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, threads))]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return outcome, time.monotonic() - start


def receive_directly(events: list[tuple[Device, bytes, str]]) -> Outcome:
    """The same events through the service in this process (the demo; tests without a server)."""
    from gongzhi.core.errors import GongzhiError
    from gongzhi.requests.services.devices import device_event_receive

    outcome = Outcome()
    for _, body, signature in events:
        began = time.monotonic()
        try:
            got = device_event_receive(body, signature)
        except GongzhiError as exc:
            outcome.note(exc.status, {"detail": exc.message}, time.monotonic() - began)
            continue
        outcome.note(201, {"request_id": got.request_id, "created": got.created},
                     time.monotonic() - began)
    return outcome
