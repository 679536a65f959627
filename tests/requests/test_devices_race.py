"""Device intake under concurrency (PostgreSQL): copies of one event and many distinct events arriving at
once, each through the real endpoint on its own thread and database connection."""

import json
import uuid

import pytest
from django.test import Client

from gongzhi.core import clock
from gongzhi.requests import services
from gongzhi.requests.models import DeviceEvent, DeviceIncident, Request
from gongzhi.requests.services.devices import SIGNATURE_HEADER, sign
from tests.helpers import YIWU, estate, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
N = 50


def _device():
    return services.device_register(None, estate_id=estate(YIWU).pk, name="并发测试水塘语音桩", kind="voice",
                                    location="西区水塘", event_kinds=["drowning", "high_throw"])


def _poster(raw: bytes, secret: str):
    def go():
        return Client().post("/api/v1/devices/events", data=raw, content_type="application/json",
                             headers={SIGNATURE_HEADER: sign(secret, raw)})
    return go


def _raw(device, event_id: str) -> bytes:
    return json.dumps({"device_id": device.uid, "event_id": event_id, "kind": "drowning",
                       "time": clock.now().isoformat()}).encode()


def test_fifty_copies_of_one_event_at_once_file_one_request_counted_once(world):
    device, secret = _device()
    requests_before = Request.objects.count()
    answers = race([_poster(_raw(device, "same-event"), secret) for _ in range(N)])
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * (N - 1), codes
    assert Request.objects.count() == requests_before + 1
    assert DeviceEvent.objects.filter(device=device).count() == 1
    incident = DeviceIncident.objects.get(device=device)
    assert incident.count == 1 and incident.request.emergency


def test_fifty_distinct_events_at_once_merge_into_one_request_counting_fifty(world):
    device, secret = _device()
    requests_before = Request.objects.count()
    answers = race([_poster(_raw(device, uuid.uuid4().hex), secret) for _ in range(N)])
    assert [a.status_code for a in answers] == [201] * N, [a.content for a in answers if a.status_code != 201][:3]
    assert Request.objects.count() == requests_before + 1
    assert DeviceEvent.objects.filter(device=device).count() == N
    incident = DeviceIncident.objects.get(device=device)
    assert incident.count == N
    assert sorted(a.json()["count"] for a in answers) == list(range(1, N + 1))  # each saw its own place
    assert sum(a.json()["created"] for a in answers) == 1
