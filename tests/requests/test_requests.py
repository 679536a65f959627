"""Residents' requests (诉求): routing, intake checks, escalation by hand and by deadline (and its
idempotency), 吹哨报到, closing the loop, visibility of each role, notifications, metrics."""

import datetime
import io
import logging

import pytest
from django.db import transaction
from PIL import Image

from gongzhi.core.api_schema import CONTROL_CHARACTERS
from gongzhi.core.clock import END_OF_DAY, Term, Unit, at, deadline
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.files import Upload
from gongzhi.core.models import AuditEntry, Notification
from gongzhi.requests import jobs, rules, selectors, services, views
from gongzhi.requests.models import Escalation, Event, EventKind, Level, Request, Route, Status, Summons
from gongzhi.requests.routing import Category
from gongzhi.requests.services import closing, common, photos
from gongzhi.requests.services.intake import (
    CHANNEL_NOT_ALLOWED,
    COORDINATES_INVALID,
    DESCRIPTION_MAX,
    DESCRIPTION_REQUIRED,
    ESTATE_NOT_FOUND,
    PHONE_INVALID,
)
from tests.helpers import PACIFIC, YIWU, estate, race, run_command

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)


def png(size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def intake(estate_name=YIWU, category=Category.LIGHTING, **kw) -> services.Intake:
    building = kw.pop("building", None)
    data = {"estate_id": estate(estate_name).pk, "category": category, "description": "楼道灯不亮", **kw}
    if building:
        data["building_id"] = estate(estate_name).buildings.get(code=building).pk
    return services.Intake(**data)


@pytest.fixture
def filed(persona, clock):
    """王阿姨's corridor light, filed now."""
    return services.request_submit(persona("wangayi"), intake(building="5"))


# --- routing -----------------------------------------------------------------------------------------
def test_the_shipped_routing_table_covers_the_categories_with_12345_deadlines():
    from gongzhi.requests.routing import DEFAULT_ROUTES

    for needed in ("cleaning", "lighting", "minor_repair", "lift", "pipes", "roads", "flying_wire", "parking",
                   "noise", "neighbour_dispute", "high_throw", "greenery", "security", "renovation",
                   "poles_cables", "fee_dispute", "other"):
        assert needed in DEFAULT_ROUTES
    assert DEFAULT_ROUTES["utilities"].resolve == Term(24, Unit.HOURS)  # water, power, gas, heating
    assert DEFAULT_ROUTES["lighting"].resolve == Term(7, Unit.WORKING_DAYS)  # general
    assert DEFAULT_ROUTES["roads"].resolve == Term(15, Unit.WORKING_DAYS)  # complex
    assert DEFAULT_ROUTES["roads"].tier == "major"
    assert {r.response for r in DEFAULT_ROUTES.values()} == {Term(24, Unit.HOURS)}


def test_a_request_is_routed_with_its_deadlines(persona, clock):
    clock.set("2026-09-30 10:00")  # Wednesday, the last working day before National Day (10-01 … 10-07)
    wang = persona("wangayi")
    req = services.request_submit(wang, intake(building="5"))
    assert (req.handler, req.level, req.status, req.tier) == ("property", Level.ESTATE, Status.NEW, "minor")
    assert (req.respond_by, req.respond_unit) == (clock.now + 24 * HOUR, "hours")
    # 7 working days: 10-08, 10-09, 10-10 (a make-up Saturday), 10-12 … 10-15, to the end of that day
    assert (req.resolve_by, req.resolve_unit) == (at(datetime.date(2026, 10, 15), END_OF_DAY), "working_days")
    assert not req.deadline_estimated
    urgent = services.request_submit(wang, intake(emergency=True))
    assert urgent.respond_by == clock.now + 2 * HOUR
    water = services.request_submit(wang, intake(category=Category.UTILITIES))
    assert (water.resolve_by, water.resolve_unit) == (clock.now + 24 * HOUR, "hours")
    road = services.request_submit(persona("lixiansheng"), intake(PACIFIC, Category.ROADS))
    assert (road.handler, road.tier, road.resolve_by) == ("council", "major", at(datetime.date(2026, 10, 27), END_OF_DAY))
    kinds = list(req.events.values_list("kind", flat=True))
    assert kinds == [EventKind.SUBMITTED, EventKind.ROUTED]


def test_a_neighbour_problem_goes_to_the_building_head_or_falls_back(persona):
    li = persona("lixiansheng")
    noise = services.request_submit(li, intake(PACIFIC, Category.NOISE, building="3"))
    assert (noise.handler, noise.handler_user) == ("building_head", persona("chen"))
    without_building = services.request_submit(li, intake(PACIFIC, Category.NOISE))
    assert without_building.handler == "property"
    # an estate with no property company and no committee logins: the community takes it
    road = services.request_submit(persona("lijing"), intake("老纺织厂家属院", Category.ROADS, channel="visit",
                                                             contact_name="居民代表"))
    assert road.handler == "community"
    assert rules.may_handle(persona("lijing"), road)


def test_a_community_overrides_its_routing_and_others_keep_the_default(persona, clock, client):
    row = services.route_set(persona("shequ"), community_id=estate(YIWU).community_id, category="lighting",
                             handler="community", tier="minor", response_amount=12, resolve_amount=48,
                             resolve_unit="hours")
    assert AuditEntry.objects.filter(action="request.route_set", subject_id=str(row.pk)).exists()
    req = services.request_submit(persona("wangayi"), intake(building="5"))
    assert (req.handler, req.resolve_by) == ("community", clock.now + 48 * HOUR)
    other = services.request_submit(persona("zhengbaobao"), intake("育才新村", channel="phone", contact_name="居民"))
    assert (other.resolve_by, other.resolve_unit) == (deadline(clock.now, Term(7, Unit.WORKING_DAYS)).at, "working_days")
    for bad in ({"handler": "mayor"}, {"tier": "huge"}, {"resolve_amount": 0}, {"category": "ufo"},
                {"resolve_unit": "weeks"}, {"resolve_amount": 61}, {"response_amount": 2161, "response_unit": "hours"}):
        args = {"category": "lighting", "handler": "property", "tier": "minor", "response_amount": 1,
                "resolve_amount": 2, **bad}
        with pytest.raises(InvalidInput):
            services.route_set(persona("shequ"), community_id=estate(YIWU).community_id, **args)
    assert (Route.objects.get(pk=row.pk).resolve_amount, Route.objects.get(pk=row.pk).resolve_unit) == (48, "hours")
    client.force_login(persona("shequ"))
    assert "本社区设置" in client.get(f"/requests/routing/{estate(YIWU).community_id}/").content.decode()


@pytest.mark.parametrize("username,error", [
    ("wuganbu", PermissionDenied),  # the subdistrict sees the community but its routing is the community's
    ("wangayi", NotFound),
    ("lijing", NotFound),
])
def test_only_the_community_changes_its_routing(persona, username, error):
    before = list(Route.objects.values_list("pk", "handler", "response_amount", "resolve_amount"))
    with pytest.raises(error):
        services.route_set(persona(username), community_id=estate(YIWU).community_id, category="lighting",
                           handler="property", tier="minor", response_amount=1, resolve_amount=2)
    assert list(Route.objects.values_list("pk", "handler", "response_amount", "resolve_amount")) == before


@pytest.mark.parametrize("username,status", [(None, 302), ("shequ", 200), ("lijing", 404)])  # 302: login first
def test_the_routing_page_answers_by_role(persona, client, username, status):
    if username:
        client.force_login(persona(username))
    assert client.get(f"/requests/routing/{estate(YIWU).community_id}/").status_code == status


# --- intake checks ----------------------------------------------------------------------------------
@pytest.mark.parametrize("change,error,message", [
    ({"category": "ufo"}, InvalidInput, common.UNKNOWN_CATEGORY),
    ({"description": "   "}, InvalidInput, DESCRIPTION_REQUIRED),
    ({"description": "很" * 2001}, InvalidInput, common.DESCRIPTION_TOO_LONG.format(n=DESCRIPTION_MAX)),
    ({"estate": PACIFIC}, NotFound, ESTATE_NOT_FOUND),
    ({"photos": [Upload("big.png", png() + b"0" * (20 * 1024 * 1024))]}, InvalidInput,
     photos.PHOTO_TOO_BIG.format(name="big.png", mb=20)),
    ({"photos": [Upload("a.png", b"%PDF-1.7 not a photo")]}, InvalidInput, photos.PHOTO_TYPE.format(name="a.png")),
    ({"photos": [Upload(f"{i}.png", png()) for i in range(7)]}, InvalidInput,
     photos.TOO_MANY_PHOTOS.format(n=photos.PHOTOS_MAX)),
    ({"contact_phone": "call me"}, InvalidInput, PHONE_INVALID),
    ({"lat": 91, "long": 10}, InvalidInput, COORDINATES_INVALID),
    ({"description": "灯坏了\x00"}, InvalidInput, CONTROL_CHARACTERS),
    ({"contact_name": "王\x07"}, InvalidInput, CONTROL_CHARACTERS),
    ({"channel": "phone", "contact_name": "张"}, PermissionDenied, CHANNEL_NOT_ALLOWED),
])
def test_bad_intake_is_refused_and_changes_nothing(persona, change, error, message):
    change = dict(change)
    name = change.pop("estate", YIWU)
    data = intake(name, **change)
    before = (Request.objects.count(), AuditEntry.objects.count())
    with pytest.raises(error) as caught:
        services.request_submit(persona("wangayi"), data)
    assert message in caught.value.message
    assert (Request.objects.count(), AuditEntry.objects.count()) == before


def test_a_unit_must_be_the_residents_own_and_in_the_estate(persona):
    from tests.helpers import unit

    someone_elses = unit(YIWU, "1-1-101")
    with pytest.raises(PermissionDenied):
        services.request_submit(persona("wangayi"), intake(unit_id=someone_elses.pk))
    with pytest.raises(InvalidInput):
        services.request_submit(persona("lixiansheng"), intake(PACIFIC, unit_id=unit(YIWU, "5-1-302").pk))
    own = services.request_submit(persona("wangayi"), intake(unit_id=unit(YIWU, "5-1-302").pk))
    assert own.building_id == unit(YIWU, "5-1-302").building_id


def test_staff_enter_a_call_for_a_resident(persona):
    staff = persona("zhangjingli")
    with pytest.raises(InvalidInput):
        services.request_submit(staff, intake(channel="phone"))  # whose call?
    req = services.request_submit(staff, intake(channel="phone", contact_name="张大爷", contact_phone="13912345678"))
    assert (req.requester, req.entered_by, req.channel) == (None, staff, "phone")
    patrol = services.request_submit(persona("wanggeyuan"), intake(channel="patrol", category="flying_wire"))
    assert patrol.channel == "patrol"
    head = services.request_submit(persona("chen"), intake(PACIFIC, channel="building_head", building="3",
                                                           contact_name="3号楼住户"))
    assert head.channel == "building_head"


@pytest.mark.parametrize("username,status", [
    (None, 302), ("wangayi", 200), ("zhangjingli", 200), ("wangjingli", 404), ("zuhu", 404)])
def test_photos_are_kept_and_shown_only_to_who_may_see_the_request(persona, client, login, username, status):
    req = services.request_submit(persona("wangayi"), intake(photos=[Upload("灯.png", png())]))
    photo = req.photos.get()
    assert photo.content_type == "image/jpeg" and photo.stage == "report"  # stored normalised (test_photos.py)
    viewer = login(username) if username else client
    assert viewer.get(f"/requests/photos/{photo.pk}/").status_code == status


def test_a_failed_submission_or_resolution_leaves_no_photo_file_behind(filed, persona, monkeypatch, settings):
    from pathlib import Path

    def stored():
        return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}

    def broken_audit(*args, **kwargs):
        raise RuntimeError("the audit store is down")

    before, count = stored(), Request.objects.count()
    monkeypatch.setattr(common, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        services.request_submit(persona("wangayi"), intake(photos=[Upload("灯.png", png()), Upload("2.png", png())]))
    with pytest.raises(RuntimeError):
        services.request_resolve(persona("zhangjingli"), request_id=filed.pk, note="已修好",
                                 photos=[Upload("after.png", png())])
    assert Request.objects.count() == count and not filed.photos.exists()
    assert stored() == before
    monkeypatch.undo()
    services.request_resolve(persona("zhangjingli"), request_id=filed.pk, note="已修好", photos=[Upload("after.png", png())])
    assert len(stored() - before) == 1  # a change that commits keeps its file


# --- handling and escalation ---------------------------------------------------------------------------
def test_the_handler_responds_and_resolves_others_cannot(filed, persona):
    with pytest.raises(PermissionDenied):
        services.request_respond(persona("wangayi"), request_id=filed.pk)
    with pytest.raises(NotFound):
        services.request_respond(persona("wangjingli"), request_id=filed.pk)
    req = services.request_respond(persona("zhangjingli"), request_id=filed.pk, note="马上到")
    assert req.status == Status.IN_PROGRESS
    with pytest.raises(WrongState):
        services.request_respond(persona("zhangjingli"), request_id=filed.pk)
    with pytest.raises(InvalidInput):
        services.request_resolve(persona("zhangjingli"), request_id=filed.pk, note="")
    req = services.request_resolve(persona("zhangjingli"), request_id=filed.pk, note="已更换灯具",
                                   photos=[Upload("after.png", png())])
    assert req.status == Status.RESOLVED and req.resolved_on_time is True
    assert req.photos.filter(stage="resolution").count() == 1
    with pytest.raises(WrongState):
        services.request_resolve(persona("zhangjingli"), request_id=filed.pk, note="again")


def test_calling_up_climbs_one_level_with_a_reason_and_tells_the_next(filed, persona, clock,
                                                                       django_capture_on_commit_callbacks):
    with pytest.raises(InvalidInput):
        services.request_call_up(persona("zhangjingli"), request_id=filed.pk, reason=" ")
    with pytest.raises(PermissionDenied):
        services.request_call_up(persona("wangayi"), request_id=filed.pk, reason="太慢")
    with django_capture_on_commit_callbacks(execute=True):
        req = services.request_call_up(persona("zhangjingli"), request_id=filed.pk, reason="需社区协调")
    assert (req.level, req.handler, req.status) == (Level.COMMUNITY, "community", Status.NEW)
    assert req.respond_by == clock.now + 24 * HOUR
    esc = Escalation.objects.get(request=req)
    assert (esc.from_level, esc.to_level, esc.automatic, esc.reason) == (1, 2, False, "需社区协调")
    assert Notification.objects.filter(user=persona("shequ"), title__contains="上报至社区").exists()
    assert Notification.objects.filter(user=persona("wangayi"), title__contains="上报至社区").exists()
    # the property company no longer handles it; the community does
    assert not rules.may_handle(persona("zhangjingli"), req)
    assert rules.may_handle(persona("yanshuji"), req)


def _climb(req, persona, to_level):
    who = {1: "zhangjingli", 2: "shequ", 3: "wuganbu", 4: "wuganbu"}
    while req.level < to_level:
        req = services.request_call_up(persona(who[req.level]), request_id=req.pk, reason="上报")
    return req


def test_the_whistle_summons_departments_which_must_report(filed, persona, clock, django_capture_on_commit_callbacks):
    from gongzhi.bodies.models import Organisation

    housing = Organisation.objects.get(name="区住建局")
    police = Organisation.objects.get(name="公安文峰分局")
    req = _climb(filed, persona, Level.COMMUNITY)
    with pytest.raises(WrongState):  # not at the subdistrict yet
        services.request_summon(persona("wuganbu"), request_id=req.pk, department_ids=[housing.pk])
    req = _climb(req, persona, Level.SUBDISTRICT)
    with pytest.raises(PermissionDenied):
        services.request_summon(persona("yanshuji"), request_id=req.pk, department_ids=[housing.pk])
    with pytest.raises(InvalidInput):
        services.request_summon(persona("wuganbu"), request_id=req.pk, department_ids=[])
    with pytest.raises(InvalidInput):
        services.request_summon(persona("wuganbu"), request_id=req.pk, department_ids=[persona("wuganbu").pk + 10**6])
    with django_capture_on_commit_callbacks(execute=True):
        rows = services.request_summon(persona("wuganbu"), request_id=req.pk, department_ids=[housing.pk, police.pk])
    assert {r.report_by for r in rows} == {clock.now + 24 * HOUR}
    assert Notification.objects.filter(user=persona("liukezhang"), title__startswith="吹哨报到").exists()
    with pytest.raises(WrongState):
        services.request_summon(persona("wuganbu"), request_id=req.pk, department_ids=[housing.pk])
    # the department officer now sees the request, and only its department's summons is his
    assert selectors.request_list(fetched_by=persona("liukezhang")).filter(pk=req.pk).exists()
    mine = next(r for r in rows if r.department_id == housing.pk)
    other = next(r for r in rows if r.department_id == police.pk)
    with pytest.raises(PermissionDenied):
        services.summons_report(persona("liukezhang"), summons_id=other.pk)
    with pytest.raises(WrongState):
        services.summons_act(persona("liukezhang"), summons_id=mine.pk, note="先做事")
    services.summons_report(persona("liukezhang"), summons_id=mine.pk, note="明天到场")
    with pytest.raises(WrongState):
        services.summons_report(persona("liukezhang"), summons_id=mine.pk)
    services.summons_act(persona("liukezhang"), summons_id=mine.pk, note="已约谈开发商")
    # 公安 did not report: flagged once by the deadline job, exactly after its deadline
    clock.set(clock.now + 24 * HOUR)
    assert jobs.sweep().summons_overdue == 0
    clock.set(clock.now + SECOND)
    assert jobs.sweep().summons_overdue >= 1
    assert jobs.sweep().summons_overdue == 0
    assert Summons.objects.get(pk=other.pk).overdue_notified
    late = selectors.late_departments(persona("wuganbu"))
    assert other.pk in {s.pk for s in late} and mine.pk not in {s.pk for s in late}
    kinds = set(req.events.values_list("kind", flat=True))
    assert {EventKind.SUMMONED, EventKind.REPORTED, EventKind.ACTED} <= kinds


def test_up_to_the_departments_and_the_cadre_and_no_further(persona):
    road = services.request_submit(persona("lijing"), intake("老纺织厂家属院", Category.ROADS, channel="visit",
                                                             contact_name="居民代表"))
    for who in ("lijing", "lijing", "wuganbu"):
        road = services.request_call_up(persona(who), request_id=road.pk, reason="上报")
    assert road.level == Level.DEPARTMENT
    # nobody named departments: the category's default (roads → 城管执法) is summoned
    assert list(road.summonses.values_list("department__name", flat=True)) == ["区城管执法局"]
    road = services.request_call_up(persona("wuganbu"), request_id=road.pk, reason="请包保干部督办")
    assert road.level == Level.CADRE
    assert rules.may_handle(persona("zhengbaobao"), road)
    with pytest.raises(WrongState):
        services.request_call_up(persona("zhengbaobao"), request_id=road.pk, reason="再上报")
    services.request_resolve(persona("zhengbaobao"), request_id=road.pk, note="道路已修复")


def test_the_deadline_job_escalates_exactly_after_the_deadline_and_only_once(filed, persona, clock):
    clock.set(filed.respond_by)
    jobs.sweep()
    assert Request.objects.get(pk=filed.pk).level == Level.ESTATE  # the deadline itself is still in time
    clock.set(filed.respond_by + SECOND)
    assert jobs.sweep().escalated >= 1
    assert jobs.sweep().escalated == 0  # run twice: nothing more
    req = Request.objects.get(pk=filed.pk)
    assert req.level == Level.COMMUNITY
    assert Escalation.objects.filter(request=req).count() == 1
    assert req.events.filter(kind=EventKind.AUTO_ESCALATED).count() == 1
    assert AuditEntry.objects.filter(action="request.auto_escalate", subject_id=str(req.pk)).count() == 1
    code, out, _ = run_command("requests_sweep")
    assert code == 0 and "超时上报 0 件" in out


def test_a_request_in_progress_climbs_when_its_resolution_deadline_passes(filed, persona, clock):
    services.request_respond(persona("zhangjingli"), request_id=filed.pk)
    clock.set(filed.respond_by + DAY)
    jobs.sweep()
    assert Request.objects.get(pk=filed.pk).level == Level.ESTATE  # answered: the response deadline is met
    clock.set(filed.resolve_by)
    jobs.sweep()
    assert Request.objects.get(pk=filed.pk).level == Level.ESTATE
    clock.set(filed.resolve_by + SECOND)
    jobs.sweep()
    assert Request.objects.get(pk=filed.pk).level == Level.COMMUNITY


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deadline_jobs_at_once_escalate_once(clock, world, persona):

    req = services.request_submit(persona("wangayi"), intake(building="5"))
    later = clock.now + 2 * DAY
    before = Escalation.objects.count()
    results = race([lambda: jobs.sweep(now=later), lambda: jobs.sweep(now=later)])
    # every escalation either job reports is one row, none twice; ours climbed exactly once
    assert sum(r.escalated for r in results) == Escalation.objects.count() - before, results
    assert Escalation.objects.filter(request=req).count() == 1
    assert Request.objects.get(pk=req.pk).level == Level.COMMUNITY


# --- closing the loop ----------------------------------------------------------------------------------------
def _resolved(filed, persona):
    return services.request_resolve(persona("zhangjingli"), request_id=filed.pk, note="已修好")


def test_the_requester_confirms_and_rates(filed, persona, django_capture_on_commit_callbacks):
    with pytest.raises(WrongState):  # confirming an open request
        services.request_confirm(persona("wangayi"), request_id=filed.pk, satisfaction=5)
    _resolved(filed, persona)
    with pytest.raises(PermissionDenied):
        services.request_confirm(persona("zhangjingli"), request_id=filed.pk, satisfaction=5)
    for bad in (0, 6, True):
        with pytest.raises(InvalidInput):
            services.request_confirm(persona("wangayi"), request_id=filed.pk, satisfaction=bad)
    with django_capture_on_commit_callbacks(execute=True):
        req = services.request_confirm(persona("wangayi"), request_id=filed.pk, satisfaction=4, comment="及时")
    assert (req.status, req.satisfaction, req.satisfaction_comment) == (Status.CLOSED, 4, "及时")
    assert Notification.objects.filter(user=persona("zhangjingli"), title__contains="满意度 4/5").exists()
    with pytest.raises(WrongState):
        services.request_reopen(persona("wangayi"), request_id=filed.pk, reason="again")


def test_reopening_goes_back_to_the_last_handler_and_counts_against_them(filed, persona, clock):
    _resolved(filed, persona)
    with pytest.raises(InvalidInput):
        services.request_reopen(persona("wangayi"), request_id=filed.pk, reason="")
    req = services.request_reopen(persona("wangayi"), request_id=filed.pk, reason="又不亮了")
    assert (req.status, req.reopen_count, req.handler_user) == (Status.IN_PROGRESS, 1, persona("zhangjingli"))
    assert (req.resolve_by, req.resolve_unit) == (deadline(clock.now, Term(7, Unit.WORKING_DAYS)).at, "working_days")
    event = req.events.get(kind=EventKind.REOPENED)
    assert event.against_user == persona("zhangjingli")
    today = clock.today
    m = selectors.metrics(fetched_by=persona("zhangjingli"), place="estate", place_id=req.estate_id,
                          start=today, end=today)
    assert ("张海涛", 1) in m.reopens_by_handler


def test_the_confirmation_window_is_seven_days_then_it_closes_itself(filed, persona, clock):
    resolved = _resolved(filed, persona)
    clock.set(resolved.resolved_at + 7 * DAY - SECOND)
    jobs.sweep()
    assert Request.objects.get(pk=filed.pk).status == Status.RESOLVED
    clock.set(resolved.resolved_at + 7 * DAY)
    with pytest.raises(WrongState) as late:
        services.request_confirm(persona("wangayi"), request_id=filed.pk, satisfaction=5)
    assert late.value.message == closing.CONFIRM_WINDOW_OVER.format(days=7)
    assert jobs.sweep().auto_closed >= 1
    assert jobs.sweep().auto_closed == 0
    assert Event.objects.filter(request_id=filed.pk, kind=EventKind.AUTO_CLOSED).count() == 1
    req = Request.objects.get(pk=filed.pk)
    assert (req.status, req.auto_closed, req.satisfaction) == (Status.CLOSED, True, None)


def test_confirming_a_second_before_the_window_closes_works(filed, persona, clock):
    resolved = _resolved(filed, persona)
    clock.set(resolved.resolved_at + 7 * DAY - SECOND)
    assert services.request_confirm(persona("wangayi"), request_id=filed.pk, satisfaction=5).status == Status.CLOSED


# --- who sees what ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("username,which,sees", [
    ("wangayi", "mine", True), ("zuhu", "mine", False),  # a neighbour does not
    ("zhangjingli", "mine", True), ("wangjingli", "mine", False),  # another estate's company does not
    ("chen", "pacific", True), ("chen", "elsewhere", False),  # a building head: his building
    ("yanshuji", "mine", True), ("wuganbu", "mine", True),  # community and subdistrict: their scope
    ("lijing", "mine", False),  # another community
    ("liukezhang", "mine", False), ("zhoushenji", "mine", False),  # not summoned / an auditor
])
def test_each_role_sees_what_it_should(persona, username, which, sees):
    filed = {
        "mine": lambda: services.request_submit(persona("wangayi"), intake(building="5")),
        "pacific": lambda: services.request_submit(persona("lixiansheng"), intake(PACIFIC, Category.NOISE, building="3")),
        "elsewhere": lambda: services.request_submit(persona("lixiansheng"), intake(PACIFIC, building="7")),
    }[which]()
    assert selectors.request_list(fetched_by=persona(username)).filter(pk=filed.pk).exists() is sees


@pytest.mark.parametrize("username,status", [
    ("wangayi", 200), ("zhangjingli", 200), ("zuhu", 404), ("wangjingli", 404), ("liukezhang", 404),
    ("zhoushenji", 404)])
def test_each_role_gets_the_page_and_the_api_it_should(persona, login, username, status):
    mine = services.request_submit(persona("wangayi"), intake(building="5"))
    assert login(username).get(f"/requests/{mine.pk}/").status_code == status
    assert login(username).get(f"/api/v1/requests/{mine.pk}").status_code == status


def test_the_requester_is_masked_and_hidden_when_anonymous(persona, login):
    req = services.request_submit(persona("zhangjingli"), intake(channel="phone", contact_name="张大爷",
                                                                 contact_phone="13912345678"))
    assert login("zhangjingli").get(f"/api/v1/requests/{req.pk}").json()["requester_phone"] == "13912345678"
    assert login("zhaozhuren").get(f"/api/v1/requests/{req.pk}").status_code == 404
    shown = login("sunjiancha").get(f"/api/v1/requests/{req.pk}").json()  # a supervisor: needs no phone
    assert shown["requester_phone"] == "139****5678" and shown["requester_name"] == "张大爷"
    secret = services.request_submit(persona("wangayi"), intake(anonymous=True))
    for username in ("zhangjingli", "yanshuji", "wuganbu"):
        body = login(username).get(f"/api/v1/requests/{secret.pk}").json()
        assert body["requester_name"] is None and body["requester_phone"] is None
        page = login(username).get(f"/requests/{secret.pk}/").content.decode()
        assert "王秀兰" not in page and "匿名" in page
    assert login("wangayi").get(f"/api/v1/requests/{secret.pk}").json()["requester_name"] == "王秀兰"


def test_the_public_board_shows_progress_without_personal_data(persona, client):
    services.request_submit(persona("wangayi"), intake(
        building="5", description="我是王秀兰，电话13912345678，5-1-302门口灯坏了", unit_id=None))
    page = client.get(f"/board/estates/{estate(YIWU).pk}/requests/")
    text = page.content.decode()
    assert page.status_code == 200 and "公共照明" in text and "5号楼" in text
    assert "王秀兰" not in text and "13912345678" not in text and "5-1-302" not in text
    assert client.get("/board/estates/999999/requests/").status_code == 404


def test_lists_and_home_tasks(persona, login):
    req = services.request_submit(persona("lixiansheng"), intake(PACIFIC, Category.NOISE, building="3"))
    page = login("chen").get("/requests/").content.decode()
    assert "等待我办理" in page and req.number in page
    assert req.number not in login("louzhang7").get("/requests/").content.decode()
    assert login("lixiansheng").get("/requests/?mine=1").status_code == 200
    assert login("wangayi").get("/requests/new/").status_code == 200
    assert login("wuganbu").get("/requests/?status=open&overdue=1").status_code == 200


def test_forms_show_messages_and_change_nothing_on_bad_input(persona, login):
    client = login("wangayi")
    before = Request.objects.count()
    page = client.post("/requests/new/", {"category": "ufo", "description": "x", "estate": estate(YIWU).pk},
                       follow=True)
    assert common.UNKNOWN_CATEGORY in page.content.decode() and Request.objects.count() == before
    bad = client.post("/requests/new/", {"category": "lighting", "description": "灯坏了", "estate": estate(YIWU).pk,
                                         "photos": [io.BytesIO(b"GIF89a not allowed")]}, follow=True)
    wrong_type = photos.PHOTO_TYPE.split("”")[1].split(" / ")[0]  # the type refusal, whatever the file's name
    assert wrong_type in bad.content.decode() and Request.objects.count() == before
    nul = client.post("/requests/new/", {"category": "lighting", "description": "灯坏了\x00", "estate": estate(YIWU).pk},
                      follow=True)
    assert CONTROL_CHARACTERS in nul.content.decode() and Request.objects.count() == before
    no_estate = client.post("/requests/new/", {"category": "lighting", "description": "灯坏了", "estate": ""},
                            follow=True)
    assert no_estate.status_code == 200 and views.CHOOSE_ESTATE in no_estate.content.decode()
    ok = client.post("/requests/new/", {"category": "lighting", "description": "灯坏了", "estate": estate(YIWU).pk})
    req = Request.objects.latest("pk")
    assert ok.status_code == 302 and ok["Location"] == f"/requests/{req.pk}/"
    wrong = client.post(f"/requests/{req.pk}/", {"action": "confirm", "satisfaction": "5"}, follow=True)
    assert closing.NOT_RESOLVED in wrong.content.decode()
    assert client.post(f"/requests/{req.pk}/", {"action": "respond"}).status_code == 403


# --- notifications ------------------------------------------------------------------------------------------
def test_notifications_go_out_only_after_the_change_commits(persona, caplog, django_capture_on_commit_callbacks):
    staff = persona("zhangjingli")
    before = Notification.objects.filter(user=staff).count()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.request_submit(persona("wangayi"), intake())
            raise RuntimeError("rolled back")
    assert Notification.objects.filter(user=staff).count() == before
    with django_capture_on_commit_callbacks(execute=True):
        req = services.request_submit(persona("wangayi"), intake())
    assert Notification.objects.filter(user=staff).count() == before + 1
    with caplog.at_level(logging.INFO, logger="gongzhi.notifications"), \
            django_capture_on_commit_callbacks(execute=True):
        services.request_resolve(staff, request_id=req.pk, note="修好了")
    assert Notification.objects.filter(user=persona("wangayi"), title__contains="已办结").exists()
    channels = {r.getMessage().split(" ")[0] for r in caplog.records}
    assert {"notify", "sms", "wechat"} <= channels  # inbox log, SMS and WeChat adapters (logging for now)
    phone = persona("wangayi").person.phone
    assert phone and not any(phone in r.getMessage() for r in caplog.records)  # nothing personal in the log


# --- metrics -----------------------------------------------------------------------------------------------
def test_metrics_count_what_happened_in_the_period(persona, clock, login):

    wang, staff = persona("wangayi"), persona("zhangjingli")
    base = at(datetime.datetime(2031, 3, 2, 9, 0))
    clock.set(base - datetime.timedelta(days=365))
    for _ in range(5):  # last year's March
        services.request_submit(wang, intake())
    clock.set(base)
    on_time = services.request_submit(wang, intake(category=Category.CLEANING))
    late = services.request_submit(wang, intake())
    up = services.request_submit(wang, intake())
    services.request_submit(wang, intake())  # still open
    clock.set(base + DAY)
    services.request_resolve(staff, request_id=on_time.pk, note="ok")
    services.request_confirm(wang, request_id=on_time.pk, satisfaction=5)
    _climb(up, persona, Level.SUBDISTRICT)
    clock.set(base + 12 * DAY)  # past its 7 working days (2031's holidays unknown: weekends only → 03-11)
    services.request_resolve(staff, request_id=late.pk, note="late")
    services.request_confirm(wang, request_id=late.pk, satisfaction=3)
    clock.set(base + 13 * DAY)
    start, end = datetime.date(2031, 3, 1), datetime.date(2031, 3, 31)
    yiwu = estate(YIWU)
    for place, place_id, who in (("estate", yiwu.pk, "zhangjingli"), ("community", yiwu.community_id, "yanshuji"),
                                 ("subdistrict", yiwu.community.subdistrict_id, "wuganbu")):
        m = selectors.metrics(fetched_by=persona(who), place=place, place_id=place_id, start=start, end=end)
        assert (m.received, m.resolved, m.resolution_rate) == (4, 2, 50.0), place
        assert (m.on_time, m.first_resolved, m.on_time_rate) == (1, 2, 50.0)
        assert (m.rated, m.satisfied, m.satisfaction_rate) == (2, 1, 50.0)
        assert m.avg_hours == round((24 + 12 * 24) / 2, 1)
        assert dict(m.by_level) == {2: 1, 3: 1, 4: 0, 5: 0}
        assert dict(m.by_category) == {"lighting": 3, "cleaning": 1}
        assert (m.last_year, m.yoy_change) == (5, -20.0)  # the seeds' "complaints −20%"
        assert (m.open, m.overdue) == (2, 2)  # both open ones are past their 7 working days
    api = login("wuganbu").get("/api/v1/requests/metrics", {
        "place": "subdistrict", "place_id": yiwu.community.subdistrict_id, "start": start, "end": end}).json()
    assert (api["received"], api["year_over_year_change"], api["escalations_by_level"]["subdistrict"]) == (4, -20.0, 1)
    page = login("wuganbu").get("/requests/metrics/", {"place": "estate", "place_id": yiwu.pk, "start": start,
                                                       "end": end})
    assert page.status_code == 200 and "-20.0%" in page.content.decode()


def test_metrics_are_refused_outside_scope_and_for_bad_periods(clock, persona, login):
    yiwu = estate(YIWU)
    today = clock.today
    with pytest.raises(NotFound):
        selectors.metrics(fetched_by=persona("wangjingli"), place="estate", place_id=yiwu.pk, start=today, end=today)
    with pytest.raises(NotFound):
        selectors.metrics(fetched_by=persona("wangayi"), place="subdistrict", place_id=yiwu.community.subdistrict_id,
                          start=today, end=today)
    with pytest.raises(InvalidInput):
        selectors.metrics(fetched_by=persona("wuganbu"), place="estate", place_id=yiwu.pk, start=today,
                          end=today - DAY)
    assert login("wangjingli").get("/api/v1/requests/metrics", {
        "place": "estate", "place_id": yiwu.pk, "start": today, "end": today}).status_code == 404
    assert login("wangayi").get("/requests/metrics/").status_code == 404
    assert login("wuganbu").get("/requests/metrics/", {"start": "2026-02-30"}).status_code == 200


def test_the_demo_has_requests_at_every_stage(world):
    statuses = set(Request.objects.values_list("status", flat=True))
    assert statuses == {"new", "in_progress", "resolved", "closed"}
    assert Request.objects.filter(level=Level.SUBDISTRICT, summonses__isnull=False).exists()
    assert Request.objects.filter(reopen_count__gt=0).exists() and Request.objects.filter(satisfaction=5).exists()
    assert Event.objects.filter(kind=EventKind.AUTO_CLOSED).exists()


# --- every endpoint: the wrong role gets 403, the wrong estate 404, never data ---------------------------
@pytest.fixture
def at_subdistrict(persona):
    """王阿姨's light, called up to the subdistrict, with 区住建局 summoned."""
    from gongzhi.bodies.models import Organisation

    req = _climb(services.request_submit(persona("wangayi"), intake(building="5")), persona, Level.SUBDISTRICT)
    housing = Organisation.objects.get(name="区住建局")
    summons = services.request_summon(persona("wuganbu"), request_id=req.pk, department_ids=[housing.pk])[0]
    return req, housing, summons


ENDPOINTS = {
    "respond": lambda req, housing, summons: (f"/api/v1/requests/{req.pk}/respond", {"note": ""}),
    "resolve": lambda req, housing, summons: (f"/api/v1/requests/{req.pk}/resolve", {"note": "好了"}),
    "call-up": lambda req, housing, summons: (f"/api/v1/requests/{req.pk}/call-up", {"reason": "上报"}),
    "summon": lambda req, housing, summons: (f"/api/v1/requests/{req.pk}/summon", {"department_ids": [housing.pk]}),
    "report": lambda req, housing, summons: (f"/api/v1/summonses/{summons.pk}/report", {"note": ""}),
    "confirm": lambda req, housing, summons: (f"/api/v1/requests/{req.pk}/confirm", {"satisfaction": 5}),
    "reopen": lambda req, housing, summons: (f"/api/v1/requests/{req.pk}/reopen", {"reason": "没修好"}),
}


@pytest.mark.parametrize("endpoint,username,status", [
    *[(e, "wangayi", 403) for e in ("respond", "resolve", "call-up", "summon", "report")],  # the requester herself
    *[(e, "wangjingli", 404) for e in ENDPOINTS],  # another estate's company
    ("confirm", "wuganbu", 403), ("reopen", "wuganbu", 403),  # only the requester confirms or reopens
])
def test_request_endpoints_refuse_the_wrong_role_and_the_wrong_estate(at_subdistrict, login, endpoint, username,
                                                                      status):
    req = at_subdistrict[0]
    path, body = ENDPOINTS[endpoint](*at_subdistrict)
    answer = login(username).post(path, body, content_type="application/json")
    assert answer.status_code == status, (path, answer.content)
    assert "楼道灯" not in answer.content.decode()
    assert Request.objects.get(pk=req.pk).status == Status.NEW  # nothing changed it


ROUTE = {"category": "lighting", "handler": "property", "tier": "minor", "response_amount": 2, "resolve_amount": 9}


@pytest.mark.parametrize("method,username,status", [
    ("post", "wuganbu", 403), ("post", "lijing", 404), ("get", "lijing", 404), ("post", "shequ", 200)])
def test_the_routing_endpoints_answer_by_role(login, method, username, status):
    path = f"/api/v1/requests/routing/{estate(YIWU).community_id}"
    client = login(username)
    answer = client.post(path, ROUTE, content_type="application/json") if method == "post" else client.get(path)
    assert answer.status_code == status


@pytest.mark.parametrize("username,data,status", [
    ("wangjingli", {"action": "resolve", "note": "x"}, 404),
    ("wangayi", {"action": "summon", "departments": ["housing"]}, 403),
])
def test_the_request_page_refuses_the_wrong_role_and_the_wrong_estate(at_subdistrict, login, username, data, status):
    req, housing, _ = at_subdistrict
    data = {k: ([housing.pk] if v == ["housing"] else v) for k, v in data.items()}
    assert login(username).post(f"/requests/{req.pk}/", data).status_code == status
    assert Request.objects.get(pk=req.pk).status == Status.NEW


def test_an_auditor_sees_no_requests_at_all(at_subdistrict, login):
    assert login("zhoushenji").get("/api/v1/requests").json()["count"] == 0


def test_overdue_means_the_same_to_the_job_the_list_and_the_metrics(filed, persona, login, clock):
    """Not answered within 24 hours is overdue everywhere, before its resolution deadline too."""
    clock.set(filed.respond_by)
    listed = login("zhangjingli").get("/api/v1/requests", {"overdue": True}).json()
    assert filed.pk not in [r["id"] for r in listed["items"]]
    clock.set(filed.respond_by + SECOND)
    assert filed.resolve_by > clock.now  # its resolution deadline has not passed
    listed = login("zhangjingli").get("/api/v1/requests", {"overdue": True}).json()
    assert filed.pk in [r["id"] for r in listed["items"]]
    m = selectors.metrics(fetched_by=persona("zhangjingli"), place="estate", place_id=filed.estate_id,
                          start=clock.today - DAY, end=clock.today)
    assert m.overdue >= 1
    assert filed.pk in set(jobs.overdue_requests(clock.now).values_list("pk", flat=True))


def test_every_audit_action_of_requests_is_declared_with_a_label(world):
    from gongzhi.core.registry import audit_action_label, audit_actions
    from gongzhi.requests.choices import AuditAction

    assert set(AuditAction.values) <= set(audit_actions())
    assert audit_action_label("order.place") == "点单"
    written = set(AuditEntry.objects.filter(action__regex=r"^(request|order|open311)\.").values_list("action", flat=True))
    assert written and written <= set(AuditAction.values)
