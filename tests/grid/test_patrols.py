"""两巡: patrol plans, a patrol on the phone (a checkpoint marked twice counts once; finished only when
every checkpoint is marked), findings with photos one tap from a request (channel 巡查, once), missed
patrols flagged once by the sweep and shown on the home page; with the permission grids."""

import base64
import datetime

import pytest

from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.files import Upload
from gongzhi.core.models import AuditEntry
from gongzhi.grid import jobs, services
from gongzhi.grid.models import Finding, MissedPatrol, Patrol, PatrolMark, PatrolPlan
from gongzhi.requests.models import Request
from tests.grid.helpers import grid_plan, jpeg, pacific_plan, property_plan, user, zh
from tests.helpers import PACIFIC, YIWU, estate


def test_the_demo_has_a_month_of_patrols_with_missed_ones_and_findings_raised(world):
    plan = grid_plan()
    assert plan.checkpoints.count() == 6 and plan.assignee.username == "wanggeyuan"
    assert Patrol.objects.filter(plan=plan, finished_at__isnull=False).count() == 8  # 10 periods, 2 missed
    assert MissedPatrol.objects.filter(plan=plan).count() == 2
    assert MissedPatrol.objects.filter(plan=property_plan()).count() == 3
    assert Patrol.objects.filter(plan=pacific_plan()).count() == 14
    raised = Finding.objects.filter(estate__name=YIWU, request__isnull=False).select_related("request")
    assert {f.request.channel for f in raised} == {"patrol"} and raised.count() == 3


def test_her_home_page_shows_the_patrol_due_and_the_missed_ones(login, clock):
    """Hers and the property company's in her estate (she oversees both), of the last 30 days."""
    page = login("wanggeyuan").get("/").content.decode()
    assert 'data-testid="card-patrols"' in page and "网格员日常巡查" in page
    recent = MissedPatrol.objects.filter(estate__name=YIWU,
                                         period_end__gt=clock.today - datetime.timedelta(days=30)).count()
    assert recent >= 4 and f'data-testid="missed-count">{recent}<' in page
    assert "物业楼栋巡查" not in page  # 太平洋花园's is not hers


def test_the_community_sees_missed_patrols_on_its_home_page(login):
    page = login("shequ").get("/").content.decode()
    assert 'data-testid="missed-patrols"' in page and "物业每日巡查" in page


def _open(username="wanggeyuan", plan=None):
    return services.patrol_start(user(username), patrol_plan_id=(plan or grid_plan()).pk)


def test_a_checkpoint_marked_twice_counts_once(world, clock):
    patrol = _open()
    first = patrol.plan.checkpoints.order_by("position").first()
    a = services.checkpoint_scan(user("wanggeyuan"), checkpoint_id=first.pk)
    b = services.patrol_mark(user("wanggeyuan"), patrol_id=patrol.pk, checkpoint_id=first.pk)
    c = services.checkpoint_scan(user("wanggeyuan"), checkpoint_id=first.pk)
    assert a.pk == b.pk == c.pk and a.how == "qr"
    assert PatrolMark.objects.filter(patrol=patrol).count() == 1
    assert AuditEntry.objects.filter(action="patrol.mark", subject_id=str(a.pk)).count() == 1
    # the scan joined the open patrol rather than starting another
    assert Patrol.objects.filter(plan=patrol.plan, finished_at__isnull=True).count() == 1


def test_a_patrol_finishes_only_when_every_checkpoint_is_marked(world, clock):
    patrol = _open()
    route = list(patrol.plan.checkpoints.order_by("position"))
    for checkpoint in route[:-1]:
        services.patrol_mark(user("wanggeyuan"), patrol_id=patrol.pk, checkpoint_id=checkpoint.pk)
    with pytest.raises(InvalidInput) as refused:
        services.patrol_finish(user("wanggeyuan"), patrol_id=patrol.pk)
    assert zh(services.UNMARKED_LEFT, n=1, names=route[-1].name) in refused.value.message
    patrol.refresh_from_db()
    assert patrol.finished_at is None
    services.patrol_mark(user("wanggeyuan"), patrol_id=patrol.pk, checkpoint_id=route[-1].pk)
    done = services.patrol_finish(user("wanggeyuan"), patrol_id=patrol.pk)
    assert done.finished_at == clock.now
    with pytest.raises(WrongState):
        services.patrol_mark(user("wanggeyuan"), patrol_id=patrol.pk, checkpoint_id=route[0].pk)


def test_only_the_plans_patroller_walks_it(world):
    with pytest.raises(PermissionDenied):  # the property company on the grid worker's plan
        _open("zhangjingli")
    with pytest.raises(PermissionDenied):  # the community oversees, does not walk
        _open("shequ")
    patrol = _open("zhangjingli", property_plan())  # any property staff walks an unassigned property plan
    with pytest.raises(PermissionDenied):  # and nobody marks another's patrol
        services.patrol_mark(user("wanggeyuan"), patrol_id=patrol.pk,
                             checkpoint_id=patrol.plan.checkpoints.first().pk)


def test_a_checkpoint_of_another_route_is_refused(world):
    patrol = _open()
    other = property_plan().checkpoints.first()
    with pytest.raises(InvalidInput) as refused:
        services.patrol_mark(user("wanggeyuan"), patrol_id=patrol.pk, checkpoint_id=other.pk)
    assert refused.value.message == services.CHECKPOINT_NOT_ON_ROUTE
    assert not patrol.marks.exists()


def test_a_finding_with_photos_becomes_a_request_with_one_tap_once(world, clock):
    patrol = _open()
    checkpoint = patrol.plan.checkpoints.get(name="9号楼")
    finding = services.finding_record(user("wanggeyuan"), patrol_id=patrol.pk, note="9号楼楼道堆放纸箱，堵塞消防通道",
                                      checkpoint_id=checkpoint.pk, photos=[Upload("a.jpg", jpeg())])
    assert finding.photos.count() == 1
    req = services.finding_raise(user("wanggeyuan"), finding_id=finding.pk, category="security")
    assert (req.channel, req.description, req.place_text, req.estate_id) == (
        "patrol", "9号楼楼道堆放纸箱，堵塞消防通道", "9号楼", estate(YIWU).pk)
    assert req.photos.count() == 1 and req.entered_by.username == "wanggeyuan"
    with pytest.raises(WrongState):
        services.finding_raise(user("wanggeyuan"), finding_id=finding.pk, category="security")
    assert Request.objects.filter(description="9号楼楼道堆放纸箱，堵塞消防通道").count() == 1


def test_a_finding_without_words_or_with_a_broken_photo_changes_nothing(world):
    patrol = _open()
    with pytest.raises(InvalidInput):
        services.finding_record(user("wanggeyuan"), patrol_id=patrol.pk, note="  ")
    with pytest.raises(InvalidInput):
        services.finding_record(user("wanggeyuan"), patrol_id=patrol.pk, note="井盖松动",
                                photos=[Upload("x.jpg", b"not a photo")])
    assert not patrol.findings.exists()


def test_missed_patrols_are_flagged_once_and_a_walked_period_is_not(world, clock):
    today = clock.today
    plan = services.patrol_plan_create(user("shequ"), estate_id=estate(YIWU).pk, title="夜间巡查", every_days=2,
                                       patroller="grid", starts_on=today - datetime.timedelta(days=6),
                                       checkpoints=["东门"])
    patrol = Patrol.objects.create(plan=plan, estate=plan.estate, patroller=user("wanggeyuan"),
                                   period_start=today - datetime.timedelta(days=4),
                                   finished_at=clock.now - datetime.timedelta(days=3))
    assert patrol.pk
    jobs.flag_missed_patrols()
    jobs.flag_missed_patrols()  # a second run (or a second machine) flags nothing more
    missed = list(MissedPatrol.objects.filter(plan=plan).order_by("period_start"))
    # periods: −6..−5 missed, −4..−3 walked, −2..−1 missed, today's is still running
    assert [(m.period_start, m.period_end) for m in missed] == [
        (today - datetime.timedelta(days=6), today - datetime.timedelta(days=5)),
        (today - datetime.timedelta(days=2), today - datetime.timedelta(days=1))]


@pytest.mark.parametrize("bad, field", [({"every_days": 0}, "every_days"), ({"every_days": 40}, "every_days"),
                                        ({"patroller": "police"}, "patroller"), ({"title": ""}, "title")])
def test_a_bad_plan_is_refused_with_a_reason_and_nothing_is_made(world, bad, field):
    before = PatrolPlan.objects.count()
    data = {"estate_id": estate(YIWU).pk, "title": "周末巡查", "patroller": "grid", "every_days": 7, **bad}
    with pytest.raises(InvalidInput) as refused:
        services.patrol_plan_create(user("shequ"), **data)
    assert refused.value.field == field and " / " in refused.value.message
    assert PatrolPlan.objects.count() == before


def test_the_property_company_sets_its_own_plans_but_not_the_grid_workers(world):
    with pytest.raises(PermissionDenied):
        services.patrol_plan_create(user("zhangjingli"), estate_id=estate(YIWU).pk, title="x", patroller="grid",
                                    every_days=1)
    plan = services.patrol_plan_create(user("zhangjingli"), estate_id=estate(YIWU).pk, title="消防专项巡查",
                                       patroller="property", every_days=7, checkpoints=["消防泵房", "地下车库"])
    assert list(plan.checkpoints.values_list("name", flat=True)) == ["消防泵房", "地下车库"]


# --- the permission grids -----------------------------------------------------------------------------
PLAN_PAGE = {"wanggeyuan": 200, "zhangjingli": 200, "shequ": 200, "yanshuji": 200, "wuganbu": 200,
             "wangayi": 403, "zuhu": 403, "wangjingli": 404, "lijing": 404, "zhengbaobao": 404}


@pytest.mark.parametrize("who", list(PLAN_PAGE))
def test_plan_page_and_api_grid(login, who):
    plan = grid_plan()
    client = login(who)
    page = client.get(f"/patrol-plans/{plan.pk}/")
    assert page.status_code == PLAN_PAGE[who]
    assert client.get(f"/api/v1/patrol-plans/{plan.pk}").status_code == PLAN_PAGE[who]
    assert client.get(f"/estates/{plan.estate_id}/patrols/").status_code == PLAN_PAGE[who]
    if PLAN_PAGE[who] != 200:
        assert "东门岗亭" not in page.content.decode()


def test_the_plan_page_offers_only_what_each_may_do(login):
    plan = grid_plan()
    hers = login("wanggeyuan").get(f"/patrol-plans/{plan.pk}/").content.decode()
    assert 'data-testid="start-patrol"' in hers and 'data-testid="checkpoint-form"' in hers  # her own kind of plan
    company = login("zhangjingli").get(f"/patrol-plans/{plan.pk}/").content.decode()
    assert 'data-testid="start-patrol"' not in company and 'data-testid="checkpoint-form"' not in company
    community = login("shequ").get(f"/patrol-plans/{plan.pk}/").content.decode()
    assert 'data-testid="checkpoint-form"' in community and 'data-testid="start-patrol"' not in community


def test_the_patrol_by_api_marks_finds_and_raises(login, clock):
    client = login("wanggeyuan")
    plan = grid_plan()
    patrol = client.post(f"/api/v1/patrol-plans/{plan.pk}/patrols", content_type="application/json").json()
    first = plan.checkpoints.order_by("position").first()
    for _ in range(2):
        mark = client.post(f"/api/v1/patrols/{patrol['id']}/marks", {"checkpoint_id": first.pk},
                           content_type="application/json")
        assert mark.status_code == 200
    assert client.get(f"/api/v1/patrols/{patrol['id']}").json()["marked"] == [first.pk]
    photo = {"name": "p.jpg", "data_base64": base64.b64encode(jpeg()).decode()}
    finding = client.post(f"/api/v1/patrols/{patrol['id']}/findings",
                          {"note": "东门道闸抬杆失灵", "checkpoint_id": first.pk, "photos": [photo]},
                          content_type="application/json")
    assert finding.status_code == 201 and finding.json()["photos"] == 1
    raised = client.post(f"/api/v1/findings/{finding.json()['id']}/request", {"category": "security"},
                         content_type="application/json")
    assert raised.status_code == 201
    assert Request.objects.get(pk=raised.json()["request_id"]).channel == "patrol"
    again = client.post(f"/api/v1/findings/{finding.json()['id']}/request", {"category": "security"},
                        content_type="application/json")
    assert again.status_code == 409


def test_a_finding_of_another_estate_is_not_found_by_api(login):
    patrol = _open("wangjingli", pacific_plan())
    finding = services.finding_record(user("wangjingli"), patrol_id=patrol.pk, note="6号楼外墙瓷砖脱落")
    answer = login("wanggeyuan").post(f"/api/v1/findings/{finding.pk}/request", {"category": "minor_repair"},
                                      content_type="application/json")
    assert answer.status_code == 404 and "瓷砖" not in answer.content.decode()
    assert estate(PACIFIC).pk == finding.estate_id


def test_the_checkpoint_qr_pdf_prints(login):
    from gongzhi.notices.printing import cjk_font_families

    if not cjk_font_families():
        pytest.skip("no CJK font")
    answer = login("shequ").get(f"/patrol-plans/{grid_plan().pk}/checkpoints.pdf")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
