"""Smart-estate devices (智慧小区设备): the registry per estate, each device's secret, the signed events
the devices post (`device_event_receive`) and the alert when one goes quiet.

A device's secret is never stored. It is HMAC-SHA256(GONGZHI_DEVICE_KEY, "<uid>:<salt>") in hex: the
server derives it again to check a signature, the database alone gives nobody a usable secret, and a new
salt (a reset) makes a new one. It is shown once, when the device is registered or its secret reset.

An event is the raw JSON body signed with HMAC-SHA256 under the secret (header X-Gongzhi-Signature:
sha256=<hex>). It is checked in this order, and refused changing nothing:
  not a JSON object → 400; unknown or retired device, missing or wrong signature → 401 with one message
  (a bad signature never tells whether the device exists); unknown field, kind, bad time, an event time
  more than GONGZHI_DEVICE_CLOCK_SKEW_SECONDS from now, a kind the device is not registered for, an image
  over GONGZHI_DEVICE_IMAGE_MAX_BYTES or not an image → 400; an event id already received → 409.
Events of one kind from one device within GONGZHI_DEVICE_MERGE_MINUTES of the last one merge into the
open request they started (DeviceIncident.count) instead of filing another. Every event of a device is
handled under its row lock, so concurrent copies and repeats serialise per device (devices run in parallel).
"""

import base64
import binascii
import datetime
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest

from gongzhi.core import clock
from gongzhi.core.access import estate_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import GongzhiError, InvalidInput, PermissionDenied, WrongState
from gongzhi.core.files import Upload
from gongzhi.core.notifications import notify
from gongzhi.core.scoping import get_in_scope, holders
from gongzhi.core.text import clean_text
from gongzhi.places.models import Building
from gongzhi.requests.choices import (
    DEVICE_EMERGENCY_KINDS,
    DEVICE_EVENT_CATEGORY,
    OPEN_STATUSES,
    AuditAction,
    Channel,
    DeviceEventKind,
    DeviceKind,
    PhotoStage,
)
from gongzhi.requests.models import Device, DeviceEvent, DeviceIncident, Photo, Request
from gongzhi.requests.rules import (
    DEVICE_MANAGER_ROLES,
    DEVICE_QUIET_ALERT_ROLES,
    DROWNING_ALERT_ROLES,
    ESTATE_HANDLER_ROLES,
    may_manage_device,
)
from gongzhi.requests.selectors import device_list
from gongzhi.requests.services.intake import Intake, request_submit
from gongzhi.requests.services.photos import PHOTOS_MAX, check_photos, files_removed_on_failure, save_photos

SIGNATURE_HEADER = "X-Gongzhi-Signature"

EVENT_CATEGORY = DEVICE_EVENT_CATEGORY
EMERGENCY_KINDS = DEVICE_EMERGENCY_KINDS
REPORTED_KINDS = tuple(EVENT_CATEGORY)  # what a device may be registered for (the heartbeat: every device)

QUIET_MIN, QUIET_MAX = 5, 7 * 24 * 60
EVENT_FIELDS = frozenset({"device_id", "event_id", "kind", "time", "detail", "image_base64"})
EVENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

NOT_A_MANAGER = "只有物业或社区工作人员可以管理本小区的设备 / Only the estate's property or community staff manage its devices"
NAME_REQUIRED = "请填写设备名称 / Name the device"
LOCATION_REQUIRED = "请填写安装位置 / Give where the device is installed"
TEXT_TOO_LONG = "内容最多 {n} 字 / At most {n} characters"
UNKNOWN_DEVICE_KIND = "未知的设备类型 / Unknown kind of device"
EVENT_KINDS_REQUIRED = "请至少选择一种上报事件类型 / Choose at least one kind of event the device reports"
BUILDING_NOT_IN_ESTATE = "楼栋不属于该小区 / The building is not in this estate"
QUIET_RANGE = f"最长静默须为 {QUIET_MIN}～{QUIET_MAX} 分钟的整数 / The longest silence is {QUIET_MIN} to {QUIET_MAX} minutes"

BODY_NOT_JSON = "请求体须为 JSON 对象 / The body must be a JSON object"
BAD_SIGNATURE = ("签名校验失败：设备编号或签名不正确 / The signature does not verify: wrong device id or signature")
UNKNOWN_FIELD = "不认识的字段：{name} / Unknown field: {name}"
EVENT_ID_INVALID = "event_id 须为 1～64 个字母、数字或 ._:- / event_id is 1 to 64 letters, digits or ._:-"
UNKNOWN_EVENT_KIND = "未知的事件类型 / Unknown kind of event"
KIND_NOT_REGISTERED = "该设备未登记上报此类事件 / This device is not registered for this kind of event"
TIME_INVALID = ("time 须为带时区的 ISO 8601 时间，如 2026-12-07T18:30:00+08:00 / time must be an ISO 8601 time with "
                "its offset, e.g. 2026-12-07T18:30:00+08:00")
TIME_STALE = ("事件时间与服务器时间相差超过 {n} 秒，已拒收（请校准设备时钟）/ The event time is more than {n} seconds from "
              "the server's; refused (check the device's clock)")
DETAIL_INVALID = "detail 须为不超过 200 字的文字 / detail is text of at most 200 characters"
IMAGE_NOT_BASE64 = "image_base64 须为 base64 编码的图片 / image_base64 must be a base64-encoded image"
IMAGE_TOO_LARGE = "图片超过 {kb} KB 的上限 / The image is larger than the limit of {kb} KB"
REPLAY = "该事件已接收过（事件编号重复），不再重复登记 / This event was already received (same event id)"


class SignatureRefused(GongzhiError):
    status = 401
    code = "unauthorized"


# --- the secret -------------------------------------------------------------------------------------------
def _master_key() -> bytes:
    key = settings.GONGZHI_DEVICE_KEY
    if key:
        return key.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"gongzhi.requests.devices", hashlib.sha256).digest()


def device_secret(device: Device) -> str:
    """The device's secret (64 hex digits), derived, never stored."""
    return hmac.new(_master_key(), f"{device.uid}:{device.salt}".encode(), hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes) -> str:
    """The header value a device sends: sha256=<hex of HMAC-SHA256(secret as UTF-8, raw body)>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- the registry -----------------------------------------------------------------------------------------
def _event_kinds(kinds) -> list[str]:
    if not isinstance(kinds, list | tuple) or not kinds:
        raise InvalidInput(EVENT_KINDS_REQUIRED, field="event_kinds")
    chosen = []
    for kind in kinds:
        if kind not in REPORTED_KINDS:
            raise InvalidInput(UNKNOWN_EVENT_KIND, field="event_kinds")
        if kind not in chosen:
            chosen.append(str(kind))
    return chosen


def _quiet(minutes) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not QUIET_MIN <= minutes <= QUIET_MAX:
        raise InvalidInput(QUIET_RANGE, field="quiet_minutes")
    return minutes


def _building(estate_id: int, building_id):
    if not building_id:
        return None
    building = Building.objects.filter(pk=building_id, estate_id=estate_id).first()
    if building is None:
        raise InvalidInput(BUILDING_NOT_IN_ESTATE, field="building_id")
    return building


AUDIT_FIELDS = ["uid", "name", "kind", "estate", "building", "location", "event_kinds", "quiet_minutes", "active"]


def device_register(actor, *, estate_id, name: str, kind: str, location: str, event_kinds, building_id=None,
                    quiet_minutes: int = 60) -> tuple[Device, str]:
    """Register a device in an estate; returns it and its secret, which is shown this once."""
    estate = estate_for(actor, estate_id, roles=DEVICE_MANAGER_ROLES, denied=NOT_A_MANAGER)
    name = clean_text(name, 100, NAME_REQUIRED, TEXT_TOO_LONG, field="name")
    location = clean_text(location, 200, LOCATION_REQUIRED, TEXT_TOO_LONG, field="location")
    if kind not in DeviceKind.values:
        raise InvalidInput(UNKNOWN_DEVICE_KIND, field="kind")
    kinds, quiet, building = _event_kinds(event_kinds), _quiet(quiet_minutes), _building(estate.pk, building_id)
    now = clock.now()
    with transaction.atomic():
        device = Device.objects.create(
            uid=f"GZ-{secrets.token_hex(5).upper()}", salt=secrets.token_hex(16), name=name, kind=kind, estate=estate,
            building=building, location=location, event_kinds=kinds, quiet_minutes=quiet, created_at=now,
            created_by=actor if actor is not None and actor.pk else None,
            quiet_after=now + datetime.timedelta(minutes=quiet))
        audit_record(actor, AuditAction.DEVICE_REGISTER, device, after=snapshot(device, AUDIT_FIELDS))
    return device, device_secret(device)


def _managed(actor, device_id) -> Device:
    """The device locked for a change: 404 unless the actor sees it, 403 unless they manage it."""
    if actor is None:
        visible = get_in_scope(Device.objects.all(), pk=device_id)
    else:
        visible = get_in_scope(device_list(fetched_by=actor), pk=device_id)
    device = Device.objects.select_for_update(of=("self",)).select_related("estate__community__subdistrict").get(
        pk=visible.pk)
    if not may_manage_device(actor, device.estate):
        raise PermissionDenied(NOT_A_MANAGER)
    return device


def device_update(actor, *, device_id, name: str | None = None, location: str | None = None, building_id=None,
                  event_kinds=None, quiet_minutes: int | None = None, active: bool | None = None,
                  clear_building: bool = False) -> Device:
    """Change what a device is (None leaves a field as it is); retiring it (active False) refuses its events."""
    with transaction.atomic():
        device = _managed(actor, device_id)
        before = snapshot(device, AUDIT_FIELDS)
        if name is not None:
            device.name = clean_text(name, 100, NAME_REQUIRED, TEXT_TOO_LONG, field="name")
        if location is not None:
            device.location = clean_text(location, 200, LOCATION_REQUIRED, TEXT_TOO_LONG, field="location")
        if building_id is not None or clear_building:
            device.building = None if clear_building else _building(device.estate_id, building_id)
        if event_kinds is not None:
            device.event_kinds = _event_kinds(event_kinds)
        if quiet_minutes is not None:
            device.quiet_minutes = _quiet(quiet_minutes)
            device.quiet_after = (device.last_seen_at or clock.now()) + datetime.timedelta(minutes=device.quiet_minutes)
        if active is not None:
            if not isinstance(active, bool):
                raise InvalidInput(UNKNOWN_FIELD.format(name="active"), field="active")
            if active and not device.active:  # back in service: quiet from now on only
                device.quiet_after, device.quiet_alerted_at = (
                    clock.now() + datetime.timedelta(minutes=device.quiet_minutes), None)
            device.active = active
        device.save()
        audit_record(actor, AuditAction.DEVICE_UPDATE, device, before=before, after=snapshot(device, AUDIT_FIELDS))
    return device


def device_secret_reset(actor, *, device_id) -> tuple[Device, str]:
    """A new secret (the old one stops working at once); returns it, shown this once."""
    with transaction.atomic():
        device = _managed(actor, device_id)
        device.salt = secrets.token_hex(16)
        device.save(update_fields=["salt"])
        audit_record(actor, AuditAction.DEVICE_SECRET_RESET, device, after={"uid": device.uid})
    return device, device_secret(device)


# --- events -----------------------------------------------------------------------------------------------
@dataclass
class Received:
    event: DeviceEvent
    request_id: int | None  # the request it filed or joined; None for a heartbeat
    count: int  # the events merged into that request so far
    created: bool  # this event filed the request


@dataclass
class _Checked:
    device: Device
    event_id: str
    kind: str
    at: datetime.datetime
    detail: str
    image: list


_DUMMY_SECRET = secrets.token_hex(32)


_DEVICE_COLUMNS = ("id", "uid", "salt", "event_kinds", "quiet_minutes", "name", "location", "estate_id", "building_id")


def _active_device(uid: str) -> Device | None:
    """The active device with this uid: the columns the intake needs, in one plain statement (this runs
    for every event, so it skips the ORM's query building)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(_DEVICE_COLUMNS)} FROM {Device._meta.db_table} "
                       "WHERE uid = %s AND active", [uid])
        row = cursor.fetchone()
    if row is None:
        return None
    fields = dict(zip(_DEVICE_COLUMNS, row, strict=True))
    if isinstance(fields["event_kinds"], str):
        fields["event_kinds"] = json.loads(fields["event_kinds"])
    return Device(active=True, **fields)


def _verified_device(data: dict, body: bytes, signature) -> Device:
    """The active device named by the body, if the signature verifies; else one answer for everything."""
    uid = data.get("device_id")
    device = _active_device(uid) if isinstance(uid, str) and 0 < len(uid) <= 32 else None
    # The same work whether or not the device exists: the answer's time tells nothing either.
    expected = sign(device_secret(device) if device is not None else _DUMMY_SECRET, body)
    given = signature.strip().lower() if isinstance(signature, str) else ""
    if not given.startswith("sha256="):
        given = "sha256=" + given
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")) or device is None:
        raise SignatureRefused(BAD_SIGNATURE, field="signature")
    return device


def _event_time(value) -> datetime.datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidInput(TIME_INVALID, field="time")
    try:
        at = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(TIME_INVALID, field="time") from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput(TIME_INVALID, field="time")
    skew = settings.GONGZHI_DEVICE_CLOCK_SKEW_SECONDS
    if abs((at - clock.now()).total_seconds()) > skew:
        raise InvalidInput(TIME_STALE.format(n=skew), field="time")
    return at


def _image(value) -> list:
    if value is None or value == "":
        return []
    limit = settings.GONGZHI_DEVICE_IMAGE_MAX_BYTES
    too_large = InvalidInput(IMAGE_TOO_LARGE.format(kb=limit // 1024), field="image_base64")
    if not isinstance(value, str):
        raise InvalidInput(IMAGE_NOT_BASE64, field="image_base64")
    if len(value) > (limit + 2) // 3 * 4 + 4:  # before decoding: no work for what cannot fit
        raise too_large
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(IMAGE_NOT_BASE64, field="image_base64") from None
    if len(data) > limit:
        raise too_large
    try:
        return check_photos([Upload("device.jpg", data)])
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="image_base64") from None


def _checked(body: bytes, signature) -> _Checked:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(BODY_NOT_JSON) from None
    if not isinstance(data, dict):
        raise InvalidInput(BODY_NOT_JSON)
    device = _verified_device(data, body, signature)
    unknown = sorted(set(data) - EVENT_FIELDS)
    if unknown:
        raise InvalidInput(UNKNOWN_FIELD.format(name=str(unknown[0])[:40]), field=str(unknown[0])[:40])
    event_id = data.get("event_id")
    if not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id):
        raise InvalidInput(EVENT_ID_INVALID, field="event_id")
    kind = data.get("kind")
    if kind not in DeviceEventKind.values:
        raise InvalidInput(UNKNOWN_EVENT_KIND, field="kind")
    if kind != DeviceEventKind.HEARTBEAT and kind not in device.event_kinds:
        raise InvalidInput(KIND_NOT_REGISTERED, field="kind")
    at = _event_time(data.get("time"))
    detail = data.get("detail", "")
    if not isinstance(detail, str):
        raise InvalidInput(DETAIL_INVALID, field="detail")
    detail = clean_text(detail, 200, None, DETAIL_INVALID, field="detail")
    return _Checked(device, event_id, kind, at, detail, _image(data.get("image_base64")))


def device_event_receive(body: bytes, signature) -> Received:
    """One signed event from a device (the system acts: actor None); see the module's docstring."""
    checked = _checked(body, signature)
    try:
        with files_removed_on_failure() as written, transaction.atomic():
            return _receive(checked, written)
    except IntegrityError:
        # The event id is unique per device and the event row is written last, under the device's lock:
        # a replay fails there and takes everything it did (a count, a request) back with it.
        raise WrongState(REPLAY, field="event_id") from None


def _receive(c: _Checked, written: list) -> Received:
    """The first statement (the device's UPDATE) takes the device's row lock, so the events of one device
    are handled one after another, each reading what the one before committed. This runs for every event,
    hundreds a second, so its common cases are plain SQL: a heartbeat is one more statement (its row); a
    repeat without an image one more on PostgreSQL (the latest open incident's count, found and raised in
    one UPDATE, and the event's row joined to it; two statements elsewhere). A replay is found by the
    event's row (ON CONFLICT DO NOTHING: no row) and refused, which rolls back what the event did. An event
    that opens an incident, or brings an image, goes through the ORM (the request's intake, the photos)."""
    now = clock.now()
    device = c.device
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute(_SEEN_SQL, [ops.adapt_datetimefield_value(now),
                                   ops.adapt_datetimefield_value(now + datetime.timedelta(minutes=device.quiet_minutes)),
                                   device.pk])
        if cursor.rowcount != 1:  # retired since the signature was checked
            raise SignatureRefused(BAD_SIGNATURE, field="signature")
        if c.kind == DeviceEventKind.HEARTBEAT:
            cursor.execute(_EVENT_SQL, _event_params(c, now, None))
            return Received(_event((cursor.fetchone() or [None])[0], c, now, None), None, 0, False)
        if not c.image:
            window = datetime.timedelta(minutes=settings.GONGZHI_DEVICE_MERGE_MINUTES)
            merge = [ops.adapt_datetimefield_value(c.at), device.pk, c.kind,
                     ops.adapt_datetimefield_value(c.at - window), *OPEN_STATUSES]
            if connection.vendor == "postgresql":  # the count and the event's row in one statement
                cursor.execute(_MERGE_AND_EVENT_SQL, merge + _event_params(c, now))
                merged = cursor.fetchone()
                if merged is not None:
                    incident_id, count, request_id, event_pk = merged
                    return Received(_event(event_pk, c, now, incident_id), request_id, count, False)
            else:
                cursor.execute(_MERGE_SQL.format(greatest="MAX"), merge)
                merged = cursor.fetchone()
                if merged is not None:
                    incident_id, count, request_id = merged
                    cursor.execute(_EVENT_SQL, _event_params(c, now, incident_id))
                    event_pk = (cursor.fetchone() or [None])[0]
                    return Received(_event(event_pk, c, now, incident_id), request_id, count, False)
    return _receive_orm(c, now, written)


def _event_params(c: _Checked, now: datetime.datetime, *incident_id) -> list:
    ops = connection.ops
    return [c.device.pk, c.event_id, c.kind, ops.adapt_datetimefield_value(c.at), ops.adapt_datetimefield_value(now),
            c.detail, *incident_id]


def _event(pk: int | None, c: _Checked, now: datetime.datetime, incident_id: int | None) -> DeviceEvent:
    """The event's row as written; none (pk None) when its id was already received from this device: a
    replay, refused, which rolls back the transaction it is in (the device's last report, a count)."""
    if pk is None:
        raise WrongState(REPLAY, field="event_id")
    return DeviceEvent(pk=pk, device_id=c.device.pk, event_id=c.event_id, kind=c.kind, at=c.at, received_at=now,
                       detail=c.detail, incident_id=incident_id)


_SEEN_SQL = (f"UPDATE {Device._meta.db_table} SET last_seen_at = %s, quiet_alerted_at = NULL, quiet_after = %s "
             "WHERE id = %s AND active")
_EVENT_COLUMNS = f'{DeviceEvent._meta.db_table} (device_id, event_id, kind, "at", received_at, detail, incident_id)'
_EVENT_SQL = (f"INSERT INTO {_EVENT_COLUMNS} VALUES (%s, %s, %s, %s, %s, %s, %s) "
              "ON CONFLICT (device_id, event_id) DO NOTHING RETURNING id")
# The count of the device's latest open incident of this kind inside the window (the one the ORM path
# would pick) raised, returning the incident; no row when there is none.
_MERGE_SQL = (f"UPDATE {DeviceIncident._meta.db_table} SET count = count + 1, last_at = {{greatest}}(last_at, %s) "
              f"WHERE id = (SELECT i.id FROM {DeviceIncident._meta.db_table} i "
              f"JOIN {Request._meta.db_table} r ON r.id = i.request_id "
              "WHERE i.device_id = %s AND i.kind = %s AND i.last_at >= %s "
              f"AND r.status IN ({', '.join(['%s'] * len(OPEN_STATUSES))}) "
              "ORDER BY i.last_at DESC, i.id DESC LIMIT 1) RETURNING id, count, request_id")
# PostgreSQL: that and the event's row (joined to the incident) in one statement; the event's id is NULL
# for a replay.
_MERGE_AND_EVENT_SQL = (
    f"WITH inc AS ({_MERGE_SQL.format(greatest='GREATEST')}), "
    f"ev AS (INSERT INTO {_EVENT_COLUMNS} SELECT %s, %s, %s, %s::timestamptz, %s::timestamptz, %s, inc.id FROM inc "
    "ON CONFLICT (device_id, event_id) DO NOTHING RETURNING id) "
    "SELECT inc.id, inc.count, inc.request_id, (SELECT ev.id FROM ev) FROM inc")


def _receive_orm(c: _Checked, now: datetime.datetime, written: list) -> Received:
    """An event that opens an incident or brings an image (the device's row is already locked)."""
    device = c.device
    window = datetime.timedelta(minutes=settings.GONGZHI_DEVICE_MERGE_MINUTES)
    latest = (DeviceIncident.objects
              .filter(device_id=device.pk, kind=c.kind, last_at__gte=c.at - window, request__status__in=OPEN_STATUSES)
              .order_by("-last_at", "-pk").values_list("pk", "count", "request_id").first())
    if latest is None:
        req = _file(device, c)
        incident_id, request_id, count = DeviceIncident.objects.create(
            device_id=device.pk, kind=c.kind, request=req, count=1, first_at=c.at, last_at=c.at).pk, req.pk, 1
    else:
        incident_id, count, request_id = latest
        count += 1  # read under the device's lock: no other event of this device is between
        DeviceIncident.objects.filter(pk=incident_id).update(count=F("count") + 1, last_at=Greatest(F("last_at"), c.at))
    if c.image and (latest is None or Photo.objects.filter(request_id=request_id).count() < PHOTOS_MAX):
        save_photos(Request.objects.get(pk=request_id), c.image, PhotoStage.REPORT, None, written)
    event = DeviceEvent.objects.create(device_id=device.pk, event_id=c.event_id, kind=c.kind, at=c.at, received_at=now,
                                       detail=c.detail, incident_id=incident_id)
    return Received(event, request_id, count, latest is None)


def _file(device: Device, c: _Checked) -> Request:
    """The request an event of a new incident files, through the one intake; 防溺水 also alerts the
    property staff and grid workers at once (those the request's routing did not already tell)."""
    label = DeviceEventKind(c.kind).label
    description = f"{device.name}（{device.location}）监测到：{label}" + (f"。{c.detail}" if c.detail else "")
    emergency = c.kind in EMERGENCY_KINDS
    req = request_submit(None, Intake(
        estate_id=device.estate_id, building_id=device.building_id, category=EVENT_CATEGORY[c.kind],
        description=description, place_text=device.location[:200], emergency=emergency, channel=Channel.DEVICE,
        via=f"device:{device.uid}"))
    if emergency:
        estate = req.estate
        told = holders(ESTATE_HANDLER_ROLES.get(req.handler, frozenset()), estate)
        notify(holders(DROWNING_ALERT_ROLES, estate) - told, title=f"紧急：{label} · {req.headline}",
               body=f"{estate.name} · {device.location} · 请立即到场处置", link=f"/requests/{req.pk}/")
    return req


# --- going quiet ------------------------------------------------------------------------------------------
def device_quiet_alert(device: Device, now: datetime.datetime) -> bool:
    """The quiet job, for one device locked by it: alert once per silence (a report clears it)."""
    if not device.active or device.quiet_alerted_at is not None or device.quiet_after >= now:
        return False
    Device.objects.filter(pk=device.pk).update(quiet_alerted_at=now)
    device.quiet_alerted_at = now
    since = device.last_seen_at or device.created_at
    minutes = int((now - since).total_seconds() // 60)
    audit_record(None, AuditAction.DEVICE_QUIET, device, after={"uid": device.uid, "last_seen_at": str(since),
                                                                 "minutes": minutes})
    notify(holders(DEVICE_QUIET_ALERT_ROLES, device.estate), title=f"设备离线：{device.name}（{device.uid}）",
           body=f"{device.estate.name} · {device.location} · 已 {minutes} 分钟无上报，请检查设备",
           link=f"/requests/devices/{device.pk}/")
    return True
