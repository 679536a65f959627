"""设岗定责: the community sets up posts of an estate or a building with their duties; a member living
there claims one, the community confirms or declines; a post has one open claim (two members claiming
at once: one wins, on PostgreSQL); a held post's duty done earns post-duty points through the points
ledger, once per record; the permission grids of the pages and endpoints."""

import datetime

import pytest

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.party import selectors, services
from gongzhi.party.choices import ClaimStatus, PointsKind
from gongzhi.party.models import PointsEntry, Post, PostClaim, PostDuty
from gongzhi.people.models import PartyMember, Person
from tests.helpers import PACIFIC, YIWU, estate, race


def zh(template: str, **kw) -> str:
    return template.split(" / ")[0].format(**kw)


def chen() -> Person:
    return Person.objects.get(user__username="chen")


def free_post(title="环境监督岗") -> Post:
    return Post.objects.get(estate=estate(PACIFIC), title=title)


def pacific_members() -> list[PartyMember]:
    """Party members living in 太平洋花园 other than 陈, none holding a post."""
    return [m for m in selectors.resident_members(estate(PACIFIC)) if m.person_id != chen().pk
            and not m.post_claims.exists()]


def test_the_demo_posts_of_pacific(login):
    posts = login("yanshuji").get(f"/api/v1/estates/{estate(PACIFIC).pk}/party/posts").json()
    by_title = {p["title"]: p for p in posts}
    assert by_title["楼栋长"]["claim"]["name"] == chen().name and by_title["楼栋长"]["claim"]["status"] == "confirmed"
    assert by_title["政策宣传岗"]["claim"]["status"] == "pending"
    assert by_title["环境监督岗"]["claim"] is None and by_title["邻里调解员"]["kind"] == "mediation"
    duties = PointsEntry.objects.filter(member__person=chen(), kind=PointsKind.POST_DUTY)
    assert duties.count() == 2 and all(e.source_type == "party.postduty" for e in duties)


GRID = {"yanshuji": 200, "shequ": 200, "wuganbu": 200, "guanliyuan": 200, "chen": 403, "zhaozhuren": 403,
        "wangjingli": 403, "lijing": 404, "zuhu": 404}


@pytest.mark.parametrize("who", list(GRID))
def test_posts_page_grid(login, who):
    client = login(who)
    page = client.get(f"/estates/{estate(PACIFIC).pk}/party/posts/")
    assert page.status_code == GRID[who]
    assert client.get(f"/api/v1/estates/{estate(PACIFIC).pk}/party/posts").status_code == GRID[who]
    if GRID[who] != 200:
        assert "组织楼栋议事" not in page.content.decode()
    else:
        assert ('data-api="post_create"' in page.content.decode()) == (who != "wuganbu")


CREATE = {"shequ": 201, "guanliyuan": 201, "wuganbu": 403, "chen": 403, "zhaozhuren": 403, "lijing": 404}


@pytest.mark.parametrize("who", list(CREATE))
def test_create_grid(login, who):
    before = Post.objects.count()
    got = login(who).post(f"/api/v1/estates/{estate(PACIFIC).pk}/party/posts",
                          {"kind": "civility", "duties": "劝导不文明养犬"}, content_type="application/json")
    assert got.status_code == CREATE[who]
    assert Post.objects.count() == before + (1 if CREATE[who] == 201 else 0)
    if CREATE[who] == 201:
        assert got.json()["title"] == "文明劝导岗"


def test_create_on_the_page_with_a_free_title(login):
    pacific = estate(PACIFIC)
    b5 = pacific.buildings.get(code="5")
    login("shequ").post(f"/estates/{pacific.pk}/party/posts/", {"action": "create", "kind": "other",
                                                                "title": "独居老人联络员", "building": b5.pk,
                                                                "duties": "每周探望一次"})
    post = Post.objects.get(estate=pacific, title="独居老人联络员")
    assert post.building == b5 and AuditEntry.objects.filter(action="post.create", subject_id=str(post.pk)).exists()


CREATE_REFUSALS = {
    "unknown kind": ({"kind": "boss"}, services.UNKNOWN_POST_KIND),
    "other without a title": ({"kind": "other"}, services.OTHER_NEEDS_TITLE),
    "no duties": ({"duties": "  "}, services.DUTIES_REQUIRED),
    "title too long": ({"title": "长" * 61}, services.POST_TITLE_TOO_LONG),
    "building elsewhere": ({"building_id": -1}, services.BUILDING_ELSEWHERE),
}


@pytest.mark.parametrize("case", list(CREATE_REFUSALS))
def test_create_refusals_write_nothing(persona, case):
    kw, message = CREATE_REFUSALS[case]
    if kw.get("building_id") == -1:
        kw = {"building_id": estate(YIWU).buildings.order_by("pk").first().pk}
    before = Post.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.post_create(persona("shequ"), **{"estate_id": estate(PACIFIC).pk, "kind": "policy",
                                                  "duties": "宣传", **kw})
    assert exc.value.message == message and Post.objects.count() == before


def test_a_claim_confirmed_then_duties_earn_points_once_per_record(persona, login, clock):
    member = pacific_members()[0]
    claim = services.post_claim(None, post_id=free_post().pk, person_id=member.person_id)
    assert claim.status == ClaimStatus.PENDING
    with pytest.raises(WrongState) as exc:  # pending: not held yet
        services.post_duty_record(None, claim_id=claim.pk, on=clock.today, note="巡查")
    assert exc.value.message == services.CLAIM_NOT_HELD
    services.post_claim_decide(persona("shequ"), claim_id=claim.pk, confirm=True)
    duty = services.post_duty_record(None, claim_id=claim.pk, on=clock.today, note="检查垃圾分类")
    entry = PointsEntry.objects.get(member=member, kind=PointsKind.POST_DUTY, source_id=duty.pk)
    assert entry.points == 3 and entry.source_label == "环境监督岗：检查垃圾分类"
    again = services.points_for_duty(duty)  # a retried award
    assert again.pk == entry.pk
    assert PointsEntry.objects.filter(member=member, kind=PointsKind.POST_DUTY, source_id=duty.pk).count() == 1


def test_a_taken_post_is_refused_by_name_and_a_decline_frees_it(persona):
    first, second = pacific_members()[:2]
    claim = services.post_claim(None, post_id=free_post().pk, person_id=first.person_id)
    with pytest.raises(WrongState) as exc:
        services.post_claim(None, post_id=free_post().pk, person_id=second.person_id)
    assert exc.value.message == services.POST_TAKEN.format(post="环境监督岗", name=first.person.name, status="待确认")
    with pytest.raises(InvalidInput) as exc:
        services.post_claim_decide(persona("shequ"), claim_id=claim.pk, confirm=False)
    assert exc.value.message == services.DECLINE_CLAIM_NEEDS_NOTE
    services.post_claim_decide(persona("shequ"), claim_id=claim.pk, confirm=False, note="已有人选")
    assert services.post_claim(None, post_id=free_post().pk, person_id=second.person_id).status == "pending"
    with pytest.raises(WrongState):
        services.post_claim_decide(persona("shequ"), claim_id=claim.pk, confirm=True)


def test_claim_refusals(persona):
    he = PartyMember.objects.get(person__user__username="dangyuan")  # lives in 义乌城
    with pytest.raises(InvalidInput) as exc:
        services.post_claim(None, post_id=free_post().pk, person_id=he.person_id)
    assert exc.value.message == services.NOT_HOME_ESTATE
    with pytest.raises(NotFound):  # a post of an estate out of his sight
        services.post_claim(persona("dangyuan"), post_id=free_post().pk)
    with pytest.raises(PermissionDenied):
        services.post_claim(persona("shequ"), post_id=free_post().pk)  # no party member
    with pytest.raises(NotFound):
        services.post_claim(None, post_id=999999, person_id=he.person_id)
    assert not PostClaim.objects.filter(post=free_post()).exists()


def test_duty_refusals_and_grid(persona, login, clock):
    held = PostClaim.objects.get(member__person=chen(), status="confirmed")
    duties = PostDuty.objects.count()
    for kw, message in (({"on": clock.today + datetime.timedelta(days=1)}, services.DUTY_IN_FUTURE),
                        ({"note": " "}, services.DUTY_NOTE_REQUIRED), ({"on": "2026-01-01"}, services.DUTY_DATE_BAD)):
        with pytest.raises(InvalidInput) as exc:
            services.post_duty_record(persona("chen"), **{"claim_id": held.pk, "on": clock.today, "note": "x", **kw})
        assert exc.value.message == message
    for who, status in (("zhaozhuren", 404), ("wuganbu", 403), ("lijing", 404), ("chen", 201), ("shequ", 201)):
        got = login(who).post(f"/api/v1/party/post-claims/{held.pk}/duties",
                              {"on": clock.today.isoformat(), "note": "楼道巡查"}, content_type="application/json")
        assert got.status_code == status, who
        if status == 201:
            assert got.json()["points"] == 3
    assert PostDuty.objects.count() == duties + 2


DECIDE = {"shequ": 200, "yanshuji": 200, "wuganbu": 403, "chen": 403, "lijing": 404}


@pytest.mark.parametrize("who", list(DECIDE))
def test_decide_grid(login, who):
    pending = PostClaim.objects.get(post__title="政策宣传岗", status="pending")
    got = login(who).post(f"/api/v1/party/post-claims/{pending.pk}/confirm", {}, content_type="application/json")
    assert got.status_code == DECIDE[who]
    pending.refresh_from_db()
    assert pending.status == ("confirmed" if DECIDE[who] == 200 else "pending")


MINE = {"chen": 200, "dangyuan": 200, "shequ": 404, "zuhu": 404}


@pytest.mark.parametrize("who", list(MINE))
def test_my_posts_grid(login, who):
    client = login(who)
    page = client.get("/party/posts/")
    assert page.status_code == MINE[who]
    assert client.get("/api/v1/party/posts").status_code == MINE[who]
    if who == "chen":
        text = page.content.decode()
        assert "楼栋长" in text and "环境监督岗" in text and "陪同物业检查楼顶防水" in text


def test_chen_claims_a_free_post_on_his_page(login):
    client = login("chen")
    client.post("/party/posts/", {"action": "claim", "post_id": free_post().pk})
    assert PostClaim.objects.get(post=free_post()).member.person == chen()
    answer = client.post("/party/posts/", {"action": "claim", "post_id": free_post().pk}, follow=True)
    assert zh(services.POST_TAKEN, post="环境监督岗", name=chen().name, status="待确认") in answer.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_members_claiming_one_post_at_once_one_wins(world):
    first, second = pacific_members()[:2]
    post = free_post().pk
    results = race([lambda: services.post_claim(None, post_id=post, person_id=first.person_id),
                    lambda: services.post_claim(None, post_id=post, person_id=second.person_id)])
    assert sum(isinstance(r, PostClaim) for r in results) == 1, results
    assert sum(isinstance(r, WrongState) for r in results) == 1, results
    assert PostClaim.objects.filter(post_id=post).count() == 1
