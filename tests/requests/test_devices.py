"""Smart-estate devices: the registry and its permission grid, the secret (derived, shown once), signed
events and every way one is refused (changing nothing), merging repeats into one request, 防溺水 as an
emergency for the property company and the grid worker at once, the quiet-device alert and the simulator."""

import base64
import datetime
import io
import json
import re

import pytest
from django.core.management.base import CommandError
from PIL import Image

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from gongzhi.core.models import AuditEntry, Notification
from gongzhi.requests import jobs, services
from gongzhi.requests.choices import Category, Channel, DeviceEventKind, Handler, Status
from gongzhi.requests.models import Device, DeviceEvent, DeviceIncident, Photo, Request
from gongzhi.requests.services import devices
from gongzhi.requests.services.devices import SIGNATURE_HEADER, device_secret, sign
from tests.helpers import PACIFIC, YIWU, estate, run_command

URL = "/api/v1/devices/events"
SECOND = datetime.timedelta(seconds=1)
MINUTE = datetime.timedelta(minutes=1)
ALL_KINDS = ["drowning", "high_throw", "waste_sorting", "illegal_parking"]


def register(actor=None, estate_name=YIWU, **kw):
    fields = {"estate_id": estate(estate_name).pk, "name": "东区水塘防溺水语音桩", "kind": "voice",
              "location": "东区景观水塘北岸", "event_kinds": ALL_KINDS, **kw}
    return services.device_register(actor, **fields)


@pytest.fixture
def device(world):
    return register()


def body(device, kind="drowning", *, at=None, event_id="e-1", **extra) -> bytes:
    from gongzhi.core import clock as source

    data = {"device_id": device.uid if isinstance(device, Device) else device, "event_id": event_id, "kind": kind,
            "time": (at or source.now()).isoformat(), **extra}
    return json.dumps(data, ensure_ascii=False).encode()


def send(client, raw: bytes, secret: str | None = None, *, signature: str | None = None):
    headers = {}
    if signature is not None or secret is not None:
        headers[SIGNATURE_HEADER] = signature if signature is not None else sign(secret, raw)
    return client.post(URL, data=raw, content_type="application/json", headers=headers)


def state():
    """Everything an event could create: a refused one must leave all of it as it was."""
    return (Request.objects.count(), DeviceEvent.objects.count(), DeviceIncident.objects.count(),
            Photo.objects.count(), Notification.objects.count())


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


# --- the registry and the secret -------------------------------------------------------------------------
def test_the_secret_is_shown_once_derived_never_stored(persona, world):
    dev, secret = register(persona("zhangjingli"))
    assert re.fullmatch(r"[0-9a-f]{64}", secret) and secret == device_secret(dev)
    row = Device.objects.filter(pk=dev.pk).values().get()
    assert secret not in json.dumps(row, default=str)  # the database holds a salt, not the secret
    entry = AuditEntry.objects.get(action="device.register", subject_id=str(dev.pk))
    assert secret not in json.dumps(entry.after, default=str)
    assert entry.actor == persona("zhangjingli")
    # a reset makes a new secret and the old one stops working at once
    _, new = services.device_secret_reset(persona("zhangjingli"), device_id=dev.pk)
    assert new != secret and device_secret(Device.objects.get(pk=dev.pk)) == new


@pytest.mark.parametrize(("username", "outcome"), [
    ("zhangjingli", "ok"),  # 义乌城's property staff
    ("shequ", "ok"),  # 明福社区 staff
    ("yanshuji", "ok"),  # 明福社区 secretary
    ("guanliyuan", "ok"),
    ("wanggeyuan", PermissionDenied),  # the grid worker sees devices, does not manage them
    ("wuganbu", PermissionDenied),  # the subdistrict sees them too
    ("wangayi", PermissionDenied),  # a resident of the estate
    ("wangjingli", NotFound),  # 太平洋花园's property staff: another estate
    ("lijing", NotFound),  # another community's secretary
])
def test_who_registers_a_device(persona, world, username, outcome):
    before = Device.objects.count()
    if outcome == "ok":
        register(persona(username))
        assert Device.objects.count() == before + 1
    else:
        with pytest.raises(outcome):
            register(persona(username))
        assert Device.objects.count() == before


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": ""}, "name"), ({"location": " "}, "location"), ({"kind": "robot"}, "kind"),
    ({"event_kinds": []}, "event_kinds"), ({"event_kinds": ["fireworks"]}, "event_kinds"),
    ({"quiet_minutes": 4}, "quiet_minutes"), ({"quiet_minutes": 10081}, "quiet_minutes"),
    ({"quiet_minutes": True}, "quiet_minutes"),
])
def test_a_bad_registration_changes_nothing(persona, world, fields, field):
    before = Device.objects.count()
    with pytest.raises(InvalidInput) as err:
        register(persona("zhangjingli"), **fields)
    assert Device.objects.count() == before
    assert field in (err.value.field or "") or err.value.field is None


def test_a_building_of_another_estate_is_refused(persona, world):
    other = estate(PACIFIC).buildings.first()
    with pytest.raises(InvalidInput):
        register(persona("zhangjingli"), building_id=other.pk)
    assert register(persona("zhangjingli"), quiet_minutes=5, building_id=estate(YIWU).buildings.first().pk)[0]
    assert register(persona("zhangjingli"), quiet_minutes=10080)[0]


def _api(client, login, username):
    if username:
        login(username)
    return client


@pytest.mark.parametrize(("username", "see", "change"), [
    ("zhangjingli", 200, 200), ("shequ", 200, 200), ("wanggeyuan", 200, 403), ("wuganbu", 200, 403),
    ("wangayi", 404, 404), ("wangjingli", 404, 404), ("lijing", 404, 404), ("zhengbaobao", 404, 404),
])
def test_the_device_api_permission_grid(client, login, device, username, see, change):
    dev, _ = device
    login(username)
    got = client.get(f"/api/v1/devices/{dev.pk}")
    assert got.status_code == see
    if see == 200:
        assert got.json()["uid"] == dev.uid and "secret" not in got.json() and "salt" not in got.json()
    listed = [d["id"] for d in client.get("/api/v1/devices?limit=1000").json()["items"]]
    assert (dev.pk in listed) == (see == 200)
    page = client.get(f"/requests/devices/{dev.pk}/")
    assert page.status_code == see
    assert (dev.uid in page.content.decode()) == (see == 200)
    changed = client.post(f"/api/v1/devices/{dev.pk}", {"name": "改名"}, content_type="application/json")
    assert changed.status_code == change
    secret = client.post(f"/api/v1/devices/{dev.pk}/secret", content_type="application/json")
    assert secret.status_code == change
    assert Device.objects.get(pk=dev.pk).name == ("改名" if change == 200 else dev.name)
    if change != 200:
        assert "secret" not in secret.json() and "secret-reset" not in page.content.decode()


def test_the_device_list_page_is_for_staff(client, login, device):
    login("wangayi")
    assert client.get("/requests/devices/").status_code == 403
    login("wanggeyuan")
    page = client.get("/requests/devices/").content.decode()
    assert "东区水塘防溺水语音桩" in page and "device-register" not in page  # sees, may not register
    login("zhangjingli")
    page = client.get("/requests/devices/").content.decode()
    assert "device-register" in page


def test_registering_on_the_page_shows_the_secret_once(client, login, world):
    login("zhangjingli")
    page = client.post("/requests/devices/", {
        "estate": estate(YIWU).pk, "name": "3号楼高空抛物摄像头", "kind": "camera", "location": "3号楼南侧",
        "event_kinds": ["high_throw"], "quiet_minutes": "30", "building": ""})
    dev = Device.objects.get(name="3号楼高空抛物摄像头")
    text = page.content.decode()
    assert device_secret(dev) in text and page["Cache-Control"] == "no-store"
    assert device_secret(dev) not in client.get(f"/requests/devices/{dev.pk}/").content.decode()
    # a bad form says why and registers nothing
    before = Device.objects.count()
    client.post("/requests/devices/", {"estate": estate(YIWU).pk, "name": "", "kind": "camera", "location": "x",
                                       "event_kinds": ["high_throw"], "quiet_minutes": "30"})
    assert Device.objects.count() == before


def test_the_api_registers_and_shows_the_secret_once(client, login, world):
    login("shequ")
    got = client.post("/api/v1/devices", {"estate_id": estate(YIWU).pk, "name": "北门违停识别", "kind": "camera",
                                         "location": "北门消防通道", "event_kinds": ["illegal_parking"]},
                      content_type="application/json")
    assert got.status_code == 201
    dev = Device.objects.get(pk=got.json()["id"])
    assert got.json()["secret"] == device_secret(dev)
    assert "secret" not in client.get(f"/api/v1/devices/{dev.pk}").json()


# --- events ----------------------------------------------------------------------------------------------
def test_a_drowning_event_is_an_emergency_for_the_property_company_and_the_grid_worker(
        client, device, persona, clock, django_capture_on_commit_callbacks):
    dev, secret = device
    raw = body(dev, "drowning", detail="两名儿童翻越护栏")
    got = send(client, raw, secret)
    assert got.status_code == 201, got.content
    answer = got.json()
    req = Request.objects.get(pk=answer["request_id"])
    assert answer["created"] and answer["count"] == 1
    assert (req.channel, req.category, req.emergency, req.handler) == (
        Channel.DEVICE, Category.SECURITY, True, Handler.PROPERTY)
    assert "两名儿童翻越护栏" in req.description and req.estate == dev.estate
    for who in ("zhangjingli", "wanggeyuan"):  # told at once, each once
        assert Notification.objects.filter(user=persona(who), link=f"/requests/{req.pk}/").count() == 1, who
    entry = AuditEntry.objects.get(action="request.submit", subject_id=str(req.pk))
    assert entry.after["via"] == f"device:{dev.uid}"


@pytest.mark.parametrize(("kind", "category"), [
    ("high_throw", Category.HIGH_THROW), ("waste_sorting", Category.CLEANING),
    ("illegal_parking", Category.PARKING)])
def test_each_kind_files_its_category(client, device, kind, category):
    dev, secret = device
    got = send(client, body(dev, kind), secret)
    req = Request.objects.get(pk=got.json()["request_id"])
    assert (req.category, req.emergency) == (category, False)


def test_repeats_within_the_window_merge_into_one_request_with_a_count(client, device, clock, settings, login):
    dev, secret = device
    window = datetime.timedelta(minutes=settings.GONGZHI_DEVICE_MERGE_MINUTES)
    start = clock.now
    first = send(client, body(dev, "high_throw", event_id="a"), secret).json()
    clock.set(start + window)  # exactly the window after the last one: merged
    second = send(client, body(dev, "high_throw", event_id="b"), secret).json()
    assert (second["request_id"], second["count"], second["created"]) == (first["request_id"], 2, False)
    other_kind = send(client, body(dev, "waste_sorting", event_id="c"), secret).json()
    assert other_kind["request_id"] != first["request_id"]  # another kind: its own request
    clock.set(start + 2 * window + SECOND)  # past the window after the last one: a new request
    third = send(client, body(dev, "high_throw", event_id="d"), secret).json()
    assert third["created"] and third["request_id"] != first["request_id"]
    incident = DeviceIncident.objects.get(request_id=first["request_id"])
    assert incident.count == 2 and incident.events.count() == 2
    login("zhangjingli")
    assert re.search(r"累计\s*2\s*次", client.get(f"/requests/{first['request_id']}/").content.decode())


def test_a_closed_request_is_not_merged_into(client, device, persona):
    dev, secret = device
    first = send(client, body(dev, "illegal_parking", event_id="a"), secret).json()
    Request.objects.filter(pk=first["request_id"]).update(status=Status.RESOLVED)
    again = send(client, body(dev, "illegal_parking", event_id="b"), secret).json()
    assert again["created"] and again["request_id"] != first["request_id"]


def test_an_older_event_inside_the_window_keeps_the_latest_time(client, device, clock):
    dev, secret = device
    now = clock.now
    send(client, body(dev, "high_throw", event_id="a", at=now), secret)
    send(client, body(dev, "high_throw", event_id="b", at=now - 2 * MINUTE), secret)
    incident = DeviceIncident.objects.get(device=dev)
    assert incident.count == 2 and incident.last_at == now


# --- bad input: refused with the reason, nothing created ------------------------------------------------
def test_a_bad_signature_never_reveals_whether_the_device_exists(client, device):
    dev, secret = device
    before = state()
    answers = [
        send(client, body(dev), "0" * 64),  # wrong secret
        send(client, body(dev), signature=""),  # empty
        send(client, body(dev)),  # no header at all
        send(client, body(dev), signature=sign(secret, body(dev, event_id="other"))),  # another body's signature
        send(client, body("GZ-NOSUCHDEV"), secret),  # no such device
        send(client, body("GZ-NOSUCHDEV"), "0" * 64),
        send(client, body(12345), secret),  # not even a string
    ]
    assert {a.status_code for a in answers} == {401}
    assert len({a.content for a in answers}) == 1  # one answer, whatever the device
    assert "签名" in answers[0].json()["detail"]
    assert state() == before


def test_a_retired_device_is_refused_like_an_unknown_one(client, device, persona):
    dev, secret = device
    services.device_update(persona("zhangjingli"), device_id=dev.pk, active=False)
    before = state()
    got = send(client, body(dev), secret)
    assert got.status_code == 401 and got.content == send(client, body("GZ-NOSUCHDEV"), secret).content
    assert state() == before


def test_the_signature_in_either_spelling_is_accepted(client, device):
    dev, secret = device
    raw = body(dev, "heartbeat")
    assert send(client, raw, signature=sign(secret, raw).removeprefix("sha256=").upper()).status_code == 201


def test_the_event_time_must_be_within_the_skew(client, device, clock, settings):
    dev, secret = device
    skew = datetime.timedelta(seconds=settings.GONGZHI_DEVICE_CLOCK_SKEW_SECONDS)
    now = clock.now
    assert send(client, body(dev, "heartbeat", event_id="a", at=now - skew), secret).status_code == 201
    assert send(client, body(dev, "heartbeat", event_id="b", at=now + skew), secret).status_code == 201
    before = state()
    for n, at in enumerate((now - skew - SECOND, now + skew + SECOND)):
        got = send(client, body(dev, "drowning", event_id=f"late{n}", at=at), secret)
        assert got.status_code == 400 and "秒" in got.json()["detail"] and got.json()["field"] == "time"
    for n, bad in enumerate(("2026-12-07T10:00:00", "yesterday", "", 1765000000)):  # no offset, not a time
        raw = json.dumps({"device_id": dev.uid, "event_id": f"t{n}", "kind": "drowning", "time": bad}).encode()
        got = send(client, raw, secret)
        assert got.status_code == 400 and got.json()["field"] == "time"
    assert state() == before


def test_an_unknown_kind_or_one_the_device_does_not_report_is_refused(client, world):
    dev, secret = register(event_kinds=["waste_sorting"])
    before = state()
    for n, kind in enumerate(("fireworks", "", None)):
        got = send(client, body(dev, kind, event_id=f"k{n}"), secret)
        assert got.status_code == 400 and got.json()["field"] == "kind"
    got = send(client, body(dev, "drowning", event_id="k9"), secret)
    assert got.status_code == 400 and "未登记" in got.json()["detail"]
    assert state() == before
    assert send(client, body(dev, "waste_sorting", event_id="ok"), secret).status_code == 201


def test_a_replay_is_refused_and_counts_nothing(client, device):
    dev, secret = device
    raw = body(dev, "high_throw", event_id="once")
    assert send(client, raw, secret).status_code == 201
    before = state()
    again = send(client, raw, secret)
    assert again.status_code == 409 and "重复" in again.json()["detail"]
    assert state() == before and DeviceIncident.objects.get(device=dev).count == 1


@pytest.mark.parametrize("extra", [
    {"colour": "red"}, {"event_id": ""}, {"event_id": "x" * 65}, {"event_id": "有中文"}, {"detail": 5},
    {"detail": "x" * 201}, {"detail": "a\x00b"}, {"image_base64": "not base64!"}, {"image_base64": 7},
    {"image_base64": base64.b64encode(b"not an image").decode()},
])
def test_other_bad_fields_are_refused(client, device, extra):
    dev, secret = device
    before = state()
    got = send(client, body(dev, **extra), secret)
    assert got.status_code == 400, (extra, got.content)
    assert state() == before


def test_a_body_that_is_not_a_json_object_is_refused(client, device):
    _, secret = device
    for raw in (b"not json", b"[1, 2]", b"\xff\xfe", b""):
        assert send(client, raw, secret).status_code == 400


def test_the_image_size_limit_at_its_edge(client, device, settings):
    dev, secret = device
    image = jpeg()
    settings.GONGZHI_DEVICE_IMAGE_MAX_BYTES = len(image)
    got = send(client, body(dev, "high_throw", event_id="fits", image_base64=base64.b64encode(image).decode()), secret)
    assert got.status_code == 201
    assert Photo.objects.filter(request_id=got.json()["request_id"]).count() == 1
    settings.GONGZHI_DEVICE_IMAGE_MAX_BYTES = len(image) - 1
    before = state()
    got = send(client, body(dev, "high_throw", event_id="big", image_base64=base64.b64encode(image).decode()), secret)
    assert got.status_code == 400 and "KB" in got.json()["detail"] and got.json()["field"] == "image_base64"
    assert state() == before


def test_a_body_over_the_upload_limit_is_refused_before_reading(client, device, settings):
    dev, secret = device
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    before = state()
    got = send(client, body(dev, "high_throw", image_base64="A" * 8000), secret)
    assert got.status_code == 413 and state() == before


def test_a_merged_event_adds_its_image_to_the_request(client, device):
    dev, secret = device
    image = base64.b64encode(jpeg()).decode()
    first = send(client, body(dev, "high_throw", event_id="a"), secret).json()
    send(client, body(dev, "high_throw", event_id="b", image_base64=image), secret)
    assert Photo.objects.filter(request_id=first["request_id"]).count() == 1


# --- heartbeats and going quiet -------------------------------------------------------------------------
def test_a_quiet_device_raises_one_alert_and_a_report_clears_it(client, persona, clock, world):
    dev, secret = register(persona("zhangjingli"), quiet_minutes=60)
    Device.objects.exclude(pk=dev.pk).update(active=False)  # the demo's devices go quiet on their own time
    registered = clock.now
    assert send(client, body(dev, "heartbeat", event_id="hb1"), secret).json()["request_id"] is None
    assert Request.objects.filter(device_incident__device=dev).count() == 0
    last = clock.now
    clock.set(last + 60 * MINUTE)  # exactly the longest silence: not yet
    assert jobs.devices_quiet() == 0
    clock.set(last + 60 * MINUTE + SECOND)
    assert jobs.devices_quiet() == 1
    assert jobs.devices_quiet() == 0  # once per silence
    dev.refresh_from_db()
    assert dev.status == "quiet" and registered <= dev.last_seen_at
    alert = f"/requests/devices/{dev.pk}/"
    for who in ("zhangjingli", "wanggeyuan", "shequ"):
        assert Notification.objects.filter(user=persona(who), link=alert).count() == 1, who
    assert AuditEntry.objects.filter(action="device.quiet", subject_id=str(dev.pk)).count() == 1
    assert send(client, body(dev, "heartbeat", event_id="hb2"), secret).status_code == 201
    dev.refresh_from_db()
    assert dev.status == "online"
    clock.set(clock.now + 61 * MINUTE)
    assert jobs.devices_quiet() == 1  # a new silence, a new alert


def test_a_device_that_never_reported_goes_quiet_after_its_silence_and_a_retired_one_never(persona, clock, world):
    dev, _ = register(persona("zhangjingli"), quiet_minutes=5)
    retired, _ = register(persona("zhangjingli"), quiet_minutes=5)
    services.device_update(persona("zhangjingli"), device_id=retired.pk, active=False)
    clock.set(clock.now + 5 * MINUTE + SECOND)
    jobs.devices_quiet()
    assert Device.objects.get(pk=dev.pk).status == "quiet"
    assert Device.objects.get(pk=retired.pk).status == "retired"


def test_the_quiet_job_is_scheduled():
    from gongzhi.core.schedule import periodic_jobs

    assert "requests.devices_quiet" in {p.name for p in periodic_jobs()}


# --- the simulator ---------------------------------------------------------------------------------------
def test_the_simulator_posts_signed_events_that_the_service_accepts(device, world):
    dev, _ = device
    code, out, err = run_command("device_simulate", "--direct", "--device", dev.uid, "--events", "12",
                                 "--seed", "7", "--images", "0.5", "--replays", "0.2")
    assert code == 0, err
    assert DeviceEvent.objects.filter(device=dev).exists()
    assert "201×" in out and "409×" in out  # replays refused
    assert not re.search(r"\b(400|401)×", out)


def test_the_simulator_says_when_there_are_no_devices(world):
    with pytest.raises(CommandError, match="设备"):
        run_command("device_simulate", "--direct", "--device", "GZ-NOSUCHDEV")


def test_devices_event_kinds_have_a_category_each():
    assert set(devices.EVENT_CATEGORY) | {DeviceEventKind.HEARTBEAT} == set(DeviceEventKind)


def test_the_demo_has_yiwu_devices_with_todays_events(world):
    yiwu = estate(YIWU)
    devices_ = {d.name: d for d in Device.objects.filter(estate=yiwu)}
    assert len(devices_) >= 5
    water = DeviceIncident.objects.get(device=devices_["景观水塘防溺水语音桩"])
    assert water.count == 2 and water.request.emergency and water.request.channel == Channel.DEVICE
    throws = DeviceIncident.objects.filter(device=devices_["5号楼高空抛物监测"]).order_by("first_at")
    assert [i.count for i in throws] == [3, 1]  # yesterday's three merged; today's its own
    assert devices_["西门水渠防溺水语音桩"].status == "quiet"
    assert all(d.status == "online" for name, d in devices_.items() if name != "西门水渠防溺水语音桩")


def test_the_offline_alert_is_on_the_staff_home_page_only(client, login, world):
    for username, shown in (("zhangjingli", True), ("wanggeyuan", True), ("wangayi", False), ("wangjingli", False)):
        login(username)
        page = client.get("/").content.decode()
        assert ("card-devices-quiet" in page and "西门水渠防溺水语音桩" in page) == shown, username


def test_the_device_page_changes_retires_and_reactivates(client, login, device):
    dev, secret = device
    login("wanggeyuan")
    assert client.post(f"/requests/devices/{dev.pk}/", {"action": "retire"}).status_code == 403
    login("zhangjingli")
    client.post(f"/requests/devices/{dev.pk}/", {
        "action": "update", "name": "东区水塘语音桩（新）", "location": "东区水塘南岸", "building": "",
        "event_kinds": ["drowning", "high_throw"], "quiet_minutes": "90"})
    dev.refresh_from_db()
    assert (dev.name, dev.location, dev.event_kinds, dev.quiet_minutes) == (
        "东区水塘语音桩（新）", "东区水塘南岸", ["drowning", "high_throw"], 90)
    client.post(f"/requests/devices/{dev.pk}/", {"action": "update", "name": "", "location": "x",
                                                  "event_kinds": ["drowning"], "quiet_minutes": "90"})
    assert Device.objects.get(pk=dev.pk).name == "东区水塘语音桩（新）"  # refused, nothing changed
    client.post(f"/requests/devices/{dev.pk}/", {"action": "retire"})
    assert send(client, body(dev, "drowning"), secret).status_code == 401
    client.post(f"/requests/devices/{dev.pk}/", {"action": "activate"})
    assert send(client, body(dev, "drowning"), secret).status_code == 201
    page = client.post(f"/requests/devices/{dev.pk}/", {"action": "secret"})
    new = device_secret(Device.objects.get(pk=dev.pk))
    assert new != secret and new in page.content.decode()
    assert send(client, body(dev, "drowning", event_id="e-2"), secret).status_code == 401  # the old secret is dead


# --- the intake's short paths (a heartbeat, a repeat) and the machines' route -----------------------------
def test_a_heartbeat_records_its_event_and_the_report_and_files_nothing(client, device, clock):
    dev, secret = device
    requests_before = Request.objects.count()
    got = send(client, body(dev, "heartbeat", event_id="hb"), secret)
    assert got.status_code == 201, got.content
    assert got.json() == {"event_id": "hb", "kind": "heartbeat", "request_id": None, "count": 0, "created": False}
    event = DeviceEvent.objects.get(device=dev)
    assert (event.event_id, event.kind, event.incident_id, event.received_at) == ("hb", "heartbeat", None, clock.now)
    dev.refresh_from_db()
    assert (dev.last_seen_at, dev.quiet_after, dev.quiet_alerted_at) == (
        clock.now, clock.now + dev.quiet_minutes * MINUTE, None)
    assert Request.objects.count() == requests_before


def test_a_replayed_heartbeat_is_refused_and_leaves_the_last_report_as_it_was(client, device, clock):
    dev, secret = device
    raw = body(dev, "heartbeat", event_id="hb")
    assert send(client, raw, secret).status_code == 201
    seen = clock.now
    clock.set(seen + MINUTE)  # the replay comes later, still inside the skew
    before = state()
    again = send(client, raw, secret)
    assert again.status_code == 409 and again.json()["detail"] == devices.REPLAY
    dev.refresh_from_db()
    assert state() == before and dev.last_seen_at == seen


def test_a_replayed_repeat_takes_back_its_count_and_the_report(client, device, clock):
    dev, secret = device
    send(client, body(dev, "high_throw", event_id="a"), secret)
    clock.set(clock.now + MINUTE)
    repeat = body(dev, "high_throw", event_id="b")
    assert send(client, repeat, secret).json()["count"] == 2
    seen = clock.now
    clock.set(seen + MINUTE)
    before = state()
    again = send(client, repeat, secret)
    assert again.status_code == 409 and again.json()["detail"] == devices.REPLAY
    incident = DeviceIncident.objects.get(device=dev)
    dev.refresh_from_db()
    assert state() == before and (incident.count, incident.last_at, dev.last_seen_at) == (2, seen, seen)
    assert incident.events.count() == 2


def test_a_repeat_joins_the_latest_open_request_of_its_kind_not_an_older_one(client, device, clock):
    dev, secret = device
    first = send(client, body(dev, "waste_sorting", event_id="a"), secret).json()
    Request.objects.filter(pk=first["request_id"]).update(status=Status.RESOLVED)
    clock.set(clock.now + MINUTE)
    second = send(client, body(dev, "waste_sorting", event_id="b"), secret).json()
    Request.objects.filter(pk=first["request_id"]).update(status=Status.IN_PROGRESS)  # open again, but older
    third = send(client, body(dev, "waste_sorting", event_id="c"), secret).json()
    assert (third["request_id"], third["count"], third["created"]) == (second["request_id"], 2, False)
    assert DeviceIncident.objects.get(request_id=first["request_id"]).count == 1


def test_a_repeat_and_a_heartbeat_cost_a_few_statements(client, device, django_assert_max_num_queries):
    """The device's row, its report, the incident's count and the event's row: the statements per event
    the intake keeps to (a savepoint and its release included: the test runs inside a transaction)."""
    dev, secret = device
    send(client, body(dev, "illegal_parking", event_id="a"), secret)
    with django_assert_max_num_queries(6):
        assert send(client, body(dev, "illegal_parking", event_id="b"), secret).json()["count"] == 2
    with django_assert_max_num_queries(5):
        assert send(client, body(dev, "heartbeat", event_id="hb"), secret).status_code == 201


def test_the_device_route_skips_the_browsers_middleware_but_keeps_the_security_headers(client, device, login):
    dev, secret = device
    login("zhangjingli")  # a session cookie on the request: the route neither reads it nor answers with one
    client.cookies["django_language"] = "en"
    got = send(client, body(dev, "drowning", event_id="a"), secret)
    assert got.status_code == 201
    assert "Content-Security-Policy" in got.headers and len(got.headers["X-Request-ID"]) >= 8
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Language"] == "zh-hans" and not got.cookies
    req = Request.objects.get(pk=got.json()["request_id"])
    assert "监测到：防溺水" in req.description  # the product's language, whatever the browser chose
    assert AuditEntry.objects.get(action="request.submit", subject_id=str(req.pk)).actor is None
