"""Consultations (征求意见) and residents' conventions (居民公约) over /api/v1, and the vote operations
the pages offered without an API twin (reminders, paper-ballot import): who may call each, another
estate's ids answered like missing ones, the flows end to end, and bad input refused with nothing
written."""

import base64
import datetime
import re
from pathlib import Path

import pytest

import gongzhi
from gongzhi.votes import services as svc
from gongzhi.votes.models import Answer, Article, ArticleComment, Consultation, Convention, ConventionStatus, Vote
from gongzhi.votes.services.consultations import CONDITIONS_NEEDED, NOT_YET_CLOSED, UNIT_NOT_IN_GROUP
from gongzhi.votes.services.conventions import BAD_CONVENTION_ITEM, CONVENTION_LOCKED, NOT_COMMENTING
from gongzhi.votes.services.votes import BUILDING_OTHER_ESTATE, CLOSES_BEFORE_OPENS
from tests.helpers import PACIFIC, YIWU, estate, unit

pytestmark = pytest.mark.usefixtures("world")
DAY = datetime.timedelta(days=1)
API = "/api/v1"
MISSING = 99_999_999


def iso(when: datetime.datetime) -> str:
    return when.isoformat()


@pytest.fixture
def plan(persona, clock):
    return svc.consultation_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, title="加装电梯方案",
                                   body="1-6 号楼加装电梯，费用按楼层分摊。", opens_at=clock.now - DAY,
                                   closes_at=clock.now + 10 * DAY)


@pytest.fixture
def answer(persona, plan):
    return svc.answer_submit(persona("lixiansheng"), consultation_id=plan.pk, unit_id=unit(PACIFIC, "2-1-301").pk,
                             opinion="conditional", comment="电梯移到北侧")


@pytest.fixture
def convention(persona):
    c = svc.convention_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, title="文明养犬公约",
                              articles=["出门牵绳。", "及时清理。"])
    svc.convention_open_comments(persona("zhaozhuren"), convention_id=c.pk)
    return c


@pytest.fixture
def draft_convention(persona):
    return svc.convention_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, title="停车公约",
                                 articles=["按位停车。"])


@pytest.fixture
def draft_vote(persona, clock):
    return svc.vote_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, title="续聘物业", item=4,
                           opens_at=clock.now + 15 * DAY, closes_at=clock.now + 25 * DAY)


def _call(client, method, url, body=None):
    if method == "get":
        return client.get(url)
    return client.post(url, body or {}, content_type="application/json")


def _consultation_body(clock, **overrides):
    return {"estate_id": estate(PACIFIC).pk, "title": "增设充电桩", "body": "在北门增设 20 个充电桩。",
            "opens_at": iso(clock.now), "closes_at": iso(clock.now + 7 * DAY), **overrides}


# --- the permission grid: persona × operation → status, one cell per test ------------------------------------
def _target(name, request):
    """The path and body of an operation, on the fixtures it needs."""
    clock = request.getfixturevalue("clock")
    if name in ("consultation_get", "consultation_answers", "answer_submit", "answer_door", "consultation_close"):
        plan = request.getfixturevalue("plan")
        return {
            "consultation_get": ("get", f"{API}/consultations/{plan.pk}", None),
            "consultation_answers": ("get", f"{API}/consultations/{plan.pk}/answers", None),
            "answer_submit": ("post", f"{API}/consultations/{plan.pk}/answers",
                              {"unit_id": unit(PACIFIC, "2-1-301").pk, "opinion": "agree"}),
            "answer_door": ("post", f"{API}/consultations/{plan.pk}/answers",
                            {"unit_id": unit(PACIFIC, "3-1-101").pk, "opinion": "agree", "channel": "door"}),
            "consultation_close": ("post", f"{API}/consultations/{plan.pk}/close", None),
        }[name]
    if name == "answer_reply":
        return "post", f"{API}/answers/{request.getfixturevalue('answer').pk}/reply", {"text": "将复核北侧方案。"}
    if name == "consultation_create":
        return "post", f"{API}/consultations", _consultation_body(clock)
    if name == "consultation_list":
        return "get", f"{API}/consultations?estate_id={estate(PACIFIC).pk}", None
    if name in ("convention_get", "article_comment"):
        c = request.getfixturevalue("convention")
        first = c.articles.first()
        return {"convention_get": ("get", f"{API}/conventions/{c.pk}", None),
                "article_comment": ("post", f"{API}/articles/{first.pk}/comments", {"text": "狗绳不超过 1.5 米。"}),
                }[name]
    if name in ("convention_open_comments", "article_revise", "convention_to_vote"):
        c = request.getfixturevalue("draft_convention")
        return {"convention_open_comments": ("post", f"{API}/conventions/{c.pk}/open-comments", None),
                "article_revise": ("post", f"{API}/articles/{c.articles.first().pk}/revise", {"text": "按位停车，不占消防通道。"}),
                "convention_to_vote": ("post", f"{API}/conventions/{c.pk}/to-vote",
                                       {"item": 2, "opens_at": iso(clock.now + 15 * DAY),
                                        "closes_at": iso(clock.now + 25 * DAY)}),
                }[name]
    if name == "convention_create":
        return "post", f"{API}/conventions", {"estate_id": estate(PACIFIC).pk, "title": "垃圾分类公约",
                                              "articles": ["定时定点投放。"]}
    vote = request.getfixturevalue("draft_vote")
    sheet = base64.b64encode("房号,投票人,表决意见\n".encode()).decode()
    return {"vote_remind": ("post", f"{API}/votes/{vote.pk}/remind", None),
            "ballot_import": ("post", f"{API}/votes/{vote.pk}/paper-ballots/import",
                              {"filename": "ballots.csv", "data_base64": sheet})}[name]


GRID = [
    # reads: anyone of the estate; another estate's people get 404; nobody logged in 401
    ("consultation_get", "lixiansheng", 200), ("consultation_get", "wangjingli", 200),
    ("consultation_get", "wangayi", 404), ("consultation_get", "zhangjingli", 404), ("consultation_get", None, 401),
    ("consultation_list", "lixiansheng", 200), ("consultation_list", None, 401),
    ("consultation_answers", "zhaozhuren", 200), ("consultation_answers", "shequ", 200),
    ("consultation_answers", "chen", 403), ("consultation_answers", "lixiansheng", 403),
    ("consultation_answers", "wangayi", 404),
    # writes
    ("consultation_create", "zhaozhuren", 201), ("consultation_create", "shequ", 201),
    ("consultation_create", "lixiansheng", 403), ("consultation_create", "chen", 403),
    ("consultation_create", "wangjingli", 403), ("consultation_create", "wangayi", 404),
    ("consultation_create", "zhangjingli", 404), ("consultation_create", None, 401),
    ("answer_submit", "lixiansheng", 200), ("answer_submit", "zhaozhuren", 403), ("answer_submit", "wangayi", 404),
    ("answer_door", "chen", 200), ("answer_door", "zhaozhuren", 200), ("answer_door", "lixiansheng", 403),
    ("answer_door", "wangayi", 404),
    ("answer_reply", "zhaozhuren", 200), ("answer_reply", "lixiansheng", 403), ("answer_reply", "chen", 403),
    ("answer_reply", "wangayi", 404),
    ("consultation_close", "zhaozhuren", 409), ("consultation_close", "lixiansheng", 403),
    ("consultation_close", "wangayi", 404), ("consultation_close", None, 401),
    ("convention_get", "lixiansheng", 200), ("convention_get", "wangayi", 404),
    ("convention_create", "zhaozhuren", 201), ("convention_create", "lixiansheng", 403),
    ("convention_create", "wangayi", 404),
    ("convention_open_comments", "zhaozhuren", 200), ("convention_open_comments", "weiyuan", 200),
    ("convention_open_comments", "lixiansheng", 403), ("convention_open_comments", "wangayi", 404),
    ("article_comment", "lixiansheng", 201), ("article_comment", "wangjingli", 201),
    ("article_comment", "wangayi", 404), ("article_comment", None, 401),
    ("article_revise", "zhaozhuren", 200), ("article_revise", "lixiansheng", 403), ("article_revise", "wangayi", 404),
    ("convention_to_vote", "zhaozhuren", 201), ("convention_to_vote", "lixiansheng", 403),
    ("convention_to_vote", "wangayi", 404),
    ("vote_remind", "zhaozhuren", 409), ("vote_remind", "lixiansheng", 403), ("vote_remind", "wangayi", 404),
    ("ballot_import", "zhaozhuren", 409), ("ballot_import", "chen", 403), ("ballot_import", "wangayi", 404),
]


@pytest.mark.parametrize(("operation", "username", "status"), GRID)
def test_permission_grid(request, login, client, operation, username, status):
    method, url, body = _target(operation, request)
    who = login(username) if username else client
    response = _call(who, method, url, body)
    assert response.status_code == status, response.content


@pytest.mark.parametrize("operation", ["consultation_get", "consultation_answers", "answer_reply", "convention_get",
                                       "article_comment", "article_revise", "convention_open_comments",
                                       "vote_remind"])
def test_another_estates_id_answers_exactly_like_a_missing_one(request, login, operation):
    method, url, body = _target(operation, request)
    seen = _call(login("wangayi"), method, url, body)
    parts = url.split("/")
    number = next(i for i in range(len(parts) - 1, -1, -1) if parts[i].isdigit())
    missing = _call(login("zhaozhuren"), method, "/".join([*parts[:number], str(MISSING), *parts[number + 1:]]), body)
    assert seen.status_code == missing.status_code == 404
    assert seen.json() == missing.json()


# --- the flows ------------------------------------------------------------------------------------------
def test_a_consultation_from_the_api_to_its_published_summary(login, clock):
    chair = login("zhaozhuren")
    created = chair.post(f"{API}/consultations", _consultation_body(clock), content_type="application/json")
    assert created.status_code == 201
    cid = created.json()["id"]
    assert created.json()["is_open"] and created.json()["estate"] == PACIFIC
    owner = login("lixiansheng")
    detail = owner.get(f"{API}/consultations/{cid}").json()
    assert {h["unit"] for h in detail["mine"]} == {"2-1-301", "6-1-502"} and detail["summary"] is None
    said = owner.post(f"{API}/consultations/{cid}/answers", {"unit_id": unit(PACIFIC, "2-1-301").pk,
                                                             "opinion": "conditional", "comment": "装在北门"},
                      content_type="application/json")
    assert said.status_code == 200 and said.json()["unit"] == "2-1-301"
    changed = owner.post(f"{API}/consultations/{cid}/answers", {"unit_id": unit(PACIFIC, "2-1-301").pk,
                                                                "opinion": "agree"}, content_type="application/json")
    assert changed.json()["id"] == said.json()["id"] and changed.json()["opinion"] == "agree"
    chair = login("zhaozhuren")
    listed = chair.get(f"{API}/consultations/{cid}/answers").json()
    assert listed["count"] == 1 and listed["items"][0]["opinion"] == "agree"
    reply = chair.post(f"{API}/answers/{said.json()['id']}/reply", {"text": "已纳入方案。"},
                       content_type="application/json")
    assert reply.status_code == 200 and reply.json()["reply"] == "已纳入方案。"
    early = chair.post(f"{API}/consultations/{cid}/close")
    assert early.status_code == 409 and early.json()["detail"] == NOT_YET_CLOSED
    clock.now = clock.now + 7 * DAY
    closed = chair.post(f"{API}/consultations/{cid}/close")
    assert closed.status_code == 200 and closed.json()["closed_at"] and closed.json()["summary"]["agree"] == 1
    assert chair.post(f"{API}/consultations/{cid}/close").status_code == 409
    seen = login("lixiansheng").get(f"{API}/consultations/{cid}").json()
    mine = next(h for h in seen["mine"] if h["unit"] == "2-1-301")
    assert mine["reply"] == "已纳入方案。" and seen["summary"]["answered"] == 1  # published to everyone


def test_lists_are_paginated_and_scoped(login, plan, clock):
    owner = login("lixiansheng")
    page = owner.get(f"{API}/consultations?limit=1").json()
    assert set(page) == {"items", "count"} and len(page["items"]) == 1 and page["count"] >= 1
    everything = owner.get(f"{API}/consultations?limit=1000").json()["items"]
    assert plan.pk in {c["id"] for c in everything} and {c["estate_id"] for c in everything} == {estate(PACIFIC).pk}
    assert login("wangayi").get(f"{API}/consultations?estate_id={estate(PACIFIC).pk}").json()["count"] == 0
    assert login("lixiansheng").get(f"{API}/conventions?limit=1000").json()["count"] >= 1
    assert login("wangayi").get(f"{API}/conventions").json()["count"] == Convention.objects.filter(
        estate=estate(YIWU)).count()


def test_a_convention_from_draft_to_the_vote(login, clock):
    chair = login("zhaozhuren")
    made = chair.post(f"{API}/conventions", {"estate_id": estate(PACIFIC).pk, "title": "楼道公约",
                                             "articles": ["不堆放杂物。", "不停放电动车。"]},
                      content_type="application/json")
    assert made.status_code == 201 and made.json()["status"] == ConventionStatus.DRAFTING
    cid = made.json()["id"]
    articles = chair.get(f"{API}/conventions/{cid}").json()["articles"]
    assert [a["number"] for a in articles] == [1, 2]
    first = articles[0]["id"]
    early = login("lixiansheng").post(f"{API}/articles/{first}/comments", {"text": "同意"},
                                      content_type="application/json")
    assert early.status_code == 409 and early.json()["detail"] == NOT_COMMENTING
    chair = login("zhaozhuren")
    assert chair.post(f"{API}/conventions/{cid}/open-comments").json()["status"] == ConventionStatus.COMMENTING
    comment = login("lixiansheng").post(f"{API}/articles/{first}/comments", {"text": "杂物包括鞋柜吗？"},
                                        content_type="application/json")
    assert comment.status_code == 201 and comment.json()["revision"] == 0
    chair = login("zhaozhuren")
    revised = chair.post(f"{API}/articles/{first}/revise", {"text": "不堆放杂物（含鞋柜）。"},
                         content_type="application/json")
    assert revised.json()["revision"] == 1
    detail = chair.get(f"{API}/conventions/{cid}").json()
    assert detail["articles"][0]["comments"][0]["text"] == "杂物包括鞋柜吗？"
    to_vote = chair.post(f"{API}/conventions/{cid}/to-vote", {"item": 2, "opens_at": iso(clock.now + 15 * DAY),
                                                              "closes_at": iso(clock.now + 25 * DAY)},
                         content_type="application/json")
    assert to_vote.status_code == 201 and to_vote.json()["status"] == "draft"
    assert "不堆放杂物（含鞋柜）" in to_vote.json()["description"]
    locked = chair.post(f"{API}/articles/{first}/revise", {"text": "改"}, content_type="application/json")
    assert locked.status_code == 409 and locked.json()["detail"] == CONVENTION_LOCKED
    again = chair.post(f"{API}/conventions/{cid}/to-vote", {"item": 2, "opens_at": iso(clock.now + 15 * DAY),
                                                            "closes_at": iso(clock.now + 25 * DAY)},
                       content_type="application/json")
    assert again.status_code == 409
    assert chair.get(f"{API}/conventions/{cid}").json()["vote_id"] == to_vote.json()["id"]


def test_paper_ballots_import_through_the_api(login, persona, clock, draft_vote):
    svc.vote_announce(persona("zhaozhuren"), vote_id=draft_vote.pk)
    clock.set(draft_vote.opens_at)
    entry = draft_vote.roll.filter(persons__kind="natural").select_related("unit").first()
    voter = entry.persons.first()
    sheet = f"房号,投票人,表决意见\n{entry.unit.code},{voter.name},同意\n".encode()
    chair = login("zhaozhuren")
    answer = chair.post(f"{API}/votes/{draft_vote.pk}/paper-ballots/import",
                        {"filename": "ballots.csv", "data_base64": base64.b64encode(sheet).decode()},
                        content_type="application/json")
    assert answer.status_code == 201 and answer.json() == {"imported": 1}
    reminded = chair.post(f"{API}/votes/{draft_vote.pk}/remind")
    assert reminded.status_code == 200 and reminded.json()["title"].startswith("投票提醒")


# --- bad input: a clear answer, nothing written -----------------------------------------------------------
BAD_CONSULTATIONS = [
    ({"closes_at": "OPENS"}, 400, CLOSES_BEFORE_OPENS),
    ({"building_ids": ["YIWU_BUILDING"]}, 400, BUILDING_OTHER_ESTATE),
    ({"building_ids": [MISSING]}, 400, BUILDING_OTHER_ESTATE),
    ({"opens_at": "9999-12-31T23:59:59+00:00"}, 422, None),
    ({"closes_at": "1900-01-01T00:00:00+08:00"}, 422, None),
    ({"closes_at": "2026-02-30T00:00:00+08:00"}, 422, None),
    ({"title": "改造\x00方案"}, 422, None),
    ({"title": "长" * 201}, 422, None),
    ({"title": ""}, 422, None),
    ({"body": "说明" * 2501}, 422, None),
    ({"estate_id": "12"}, 422, None),
    ({"estate_id": 0}, 422, None),
    ({"estate_id": MISSING}, 404, None),
    ({"secret": True}, 422, None),
]


@pytest.mark.parametrize(("overrides", "status", "message"), BAD_CONSULTATIONS)
def test_bad_consultations_are_refused_and_nothing_is_written(login, clock, overrides, status, message):
    body = _consultation_body(clock, **overrides)
    if body["closes_at"] == "OPENS":
        body["closes_at"] = body["opens_at"]
    if body.get("building_ids") == ["YIWU_BUILDING"]:
        body["building_ids"] = [estate(YIWU).buildings.first().pk]
    before = Consultation.objects.count()
    response = login("zhaozhuren").post(f"{API}/consultations", body, content_type="application/json")
    assert response.status_code == status, response.content
    if message:
        assert response.json()["detail"] == message
    assert Consultation.objects.count() == before


BAD_ANSWERS = [
    ({"opinion": "conditional"}, 400, CONDITIONS_NEEDED),
    ({"opinion": "maybe"}, 422, None),
    ({"unit_id": "YIWU_UNIT"}, 400, UNIT_NOT_IN_GROUP),
    ({"unit_id": MISSING}, 400, UNIT_NOT_IN_GROUP),
    ({"comment": "意见\x07"}, 422, None),
    ({"comment": "长" * 5001}, 422, None),
    ({"channel": "paper"}, 422, None),
    ({"unit_id": -1}, 422, None),
]


@pytest.mark.parametrize(("overrides", "status", "message"), BAD_ANSWERS)
def test_bad_answers_are_refused_and_nothing_is_written(login, plan, overrides, status, message):
    body = {"unit_id": unit(PACIFIC, "2-1-301").pk, "opinion": "agree", **overrides}
    if body["unit_id"] == "YIWU_UNIT":
        body["unit_id"] = unit(YIWU, "5-1-302").pk
    response = login("lixiansheng").post(f"{API}/consultations/{plan.pk}/answers", body,
                                         content_type="application/json")
    assert response.status_code == status, response.content
    if message:
        assert response.json()["detail"] == message
    assert not Answer.objects.filter(consultation=plan).exists()


def test_answers_after_the_deadline_and_bad_replies(login, clock, plan, answer):
    chair = login("zhaozhuren")
    for body in ({"text": ""}, {"text": "答\x00复"}, {"text": "长" * 5001}, {}, {"text": "好", "extra": 1}):
        assert chair.post(f"{API}/answers/{answer.pk}/reply", body, content_type="application/json").status_code == 422
    answer.refresh_from_db()
    assert answer.reply == ""
    clock.now = plan.closes_at
    late = login("lixiansheng").post(f"{API}/consultations/{plan.pk}/answers",
                                     {"unit_id": unit(PACIFIC, "6-1-502").pk, "opinion": "agree"},
                                     content_type="application/json")
    assert late.status_code == 409
    assert Answer.objects.filter(consultation=plan).count() == 1


BAD_CONVENTIONS = [
    ({"articles": []}, 422),
    ({"articles": [""]}, 422),
    ({"articles": ["条"] * 201}, 422),
    ({"articles": ["长" * 5001]}, 422),
    ({"articles": ["不\x00乱扔"]}, 422),
    ({"articles": "一条"}, 422),
    ({"title": ""}, 422),
    ({"title": "公\x1b约"}, 422),
    ({"estate_id": MISSING}, 404),
]


@pytest.mark.parametrize(("overrides", "status"), BAD_CONVENTIONS)
def test_bad_conventions_are_refused_and_nothing_is_written(login, overrides, status):
    before = (Convention.objects.count(), Article.objects.count())
    body = {"estate_id": estate(PACIFIC).pk, "title": "公约", "articles": ["爱护绿化。"], **overrides}
    response = login("zhaozhuren").post(f"{API}/conventions", body, content_type="application/json")
    assert response.status_code == status, response.content
    assert (Convention.objects.count(), Article.objects.count()) == before


def test_bad_comments_revisions_and_votes_on_a_convention(login, clock, convention):
    article = convention.articles.first()
    owner = login("lixiansheng")
    for body in ({"text": ""}, {"text": "意\x00见"}, {"text": "长" * 5001}):
        assert owner.post(f"{API}/articles/{article.pk}/comments", body,
                          content_type="application/json").status_code == 422
    assert not ArticleComment.objects.filter(article=article).exists()
    chair = login("zhaozhuren")
    for body in ({"text": ""}, {"text": "条\x00文"}):
        assert chair.post(f"{API}/articles/{article.pk}/revise", body,
                          content_type="application/json").status_code == 422
    vote = {"item": 3, "opens_at": iso(clock.now + 15 * DAY), "closes_at": iso(clock.now + 25 * DAY)}
    wrong_item = chair.post(f"{API}/conventions/{convention.pk}/to-vote", vote, content_type="application/json")
    assert wrong_item.status_code == 400 and wrong_item.json()["detail"] == BAD_CONVENTION_ITEM
    backwards = chair.post(f"{API}/conventions/{convention.pk}/to-vote",
                           {**vote, "item": 2, "closes_at": iso(clock.now + 10 * DAY)},
                           content_type="application/json")
    assert backwards.status_code == 400 and backwards.json()["detail"] == CLOSES_BEFORE_OPENS
    for bad in ({**vote, "item": "2"}, {**vote, "item": 10}, {**vote, "opens_at": "soon"}):
        assert chair.post(f"{API}/conventions/{convention.pk}/to-vote", bad,
                          content_type="application/json").status_code == 422
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.COMMENTING and convention.vote is None
    assert not Vote.objects.filter(title=f"表决：{convention.title}").exists()


def test_a_bad_ballot_sheet_is_refused(login, persona, clock, draft_vote):
    svc.vote_announce(persona("zhaozhuren"), vote_id=draft_vote.pk)
    clock.set(draft_vote.opens_at)
    chair = login("zhaozhuren")
    url = f"{API}/votes/{draft_vote.pk}/paper-ballots/import"
    not_base64 = chair.post(url, {"filename": "a.csv", "data_base64": "%%%"}, content_type="application/json")
    assert not_base64.status_code == 400 and not_base64.json()["field"] == "data_base64"
    garbage = chair.post(url, {"filename": "a.xlsx", "data_base64": base64.b64encode(b"\x00\x01junk").decode()},
                         content_type="application/json")
    assert garbage.status_code == 400
    assert chair.post(url, {"filename": "", "data_base64": ""}, content_type="application/json").status_code == 422
    assert not draft_vote.ballots.exists()


# --- every POST form of the votes and requests pages has its API twin ----------------------------------------
def test_every_post_form_names_an_operation_of_the_api(client):
    schema = client.get(f"{API}/openapi.json").json()
    operations = {o["operationId"] for methods in schema["paths"].values() for o in methods.values()}
    root = Path(gongzhi.__file__).parent
    forms = []
    for app in ("votes", "requests"):
        for template in sorted((root / app / "templates").rglob("*.html")):
            for tag in re.findall(r"<form\b[^>]*>", template.read_text(), flags=re.IGNORECASE):
                if re.search(r'method="post"', tag, flags=re.IGNORECASE):
                    found = re.search(r'data-api="([^"]+)"', tag)
                    forms.append((template.name, found.group(1) if found else None))
    assert len(forms) >= 30
    assert [f for f in forms if f[1] not in operations] == []
