"""Consultations (征求意见) with per-household coverage, and residents' conventions adopted by a vote."""

import datetime
import re

import pytest

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.roles import Role
from gongzhi.notices.models import Notice
from gongzhi.people.models import Residency
from gongzhi.people.services import role_assign
from gongzhi.votes import services as svc
from gongzhi.votes import services as votes
from gongzhi.votes.models import Answer, ArticleComment, Ballot, ConventionStatus, RollEntry
from gongzhi.votes.services import consultations
from tests.helpers import PACIFIC, YIWU, estate, unit

pytestmark = pytest.mark.usefixtures("world")
DAY = datetime.timedelta(days=1)



@pytest.fixture
def plan(persona, clock):
    return svc.consultation_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, title="老旧小区改造方案",
                                   body="加装电梯、改造管网、增设充电桩。", opens_at=clock.now,
                                   closes_at=clock.now + 14 * DAY)


def test_households_answer_once_and_may_change_their_mind(persona, plan):
    li = persona("lixiansheng")
    svc.answer_submit(li, consultation_id=plan.pk, unit_id=unit(PACIFIC, "2-1-301").pk, opinion="disagree",
                      comment="电梯位置挡光")
    svc.answer_submit(li, consultation_id=plan.pk, unit_id=unit(PACIFIC, "2-1-301").pk, opinion="conditional",
                      comment="电梯移到北侧就同意")
    svc.answer_submit(li, consultation_id=plan.pk, unit_id=unit(PACIFIC, "6-1-502").pk, opinion="agree")
    assert Answer.objects.filter(consultation=plan).count() == 2  # two households of his
    summary = svc.consultation_summary(plan)
    assert summary["answered"] == 2 and summary["conditional"] == 1 and summary["agree"] == 1
    assert summary["households"] == estate(PACIFIC).units.count()
    b2 = next(b for b in summary["buildings"] if b["building"] == "2")
    assert b2["conditional"] == 1 and b2["unanswered"] == b2["households"] - 1
    assert [b["building"] for b in summary["buildings"]][:3] == ["1", "2", "3"]


def test_who_may_answer_for_a_household(persona, plan):
    with pytest.raises(PermissionDenied, match=re.escape(svc.NOT_A_HOUSEHOLD)):
        svc.answer_submit(persona("lixiansheng"), consultation_id=plan.pk, unit_id=unit(PACIFIC, "1-1-101").pk,
                          opinion="agree")
    with pytest.raises(NotFound):
        svc.answer_submit(persona("wangayi"), consultation_id=plan.pk, unit_id=unit(PACIFIC, "1-1-101").pk,
                          opinion="agree")
    with pytest.raises(InvalidInput, match=re.escape(svc.CONDITIONS_NEEDED)):
        svc.answer_submit(persona("lixiansheng"), consultation_id=plan.pk, unit_id=unit(PACIFIC, "2-1-301").pk,
                          opinion="conditional")
    with pytest.raises(InvalidInput):
        svc.answer_submit(persona("lixiansheng"), consultation_id=plan.pk, unit_id=unit(PACIFIC, "2-1-301").pk,
                          opinion="maybe")
    # a tenant answers for the flat he lives in; a building head records a neighbour's answer at the door
    tenant = persona("zuhu")
    Residency.objects.create(unit=unit(PACIFIC, "1-1-102"), person=tenant.person)
    role_assign(None, user_id=tenant.pk, role=Role.RESIDENT, anchor_field="unit", anchor_id=unit(PACIFIC, "1-1-102").pk)
    svc.answer_submit(tenant, consultation_id=plan.pk, unit_id=unit(PACIFIC, "1-1-102").pk, opinion="agree")
    svc.answer_submit(persona("chen"), consultation_id=plan.pk, unit_id=unit(PACIFIC, "3-1-101").pk,
                      opinion="agree", channel="door")
    with pytest.raises(PermissionDenied):
        svc.answer_submit(persona("lixiansheng"), consultation_id=plan.pk, unit_id=unit(PACIFIC, "3-1-101").pk,
                          opinion="agree", channel="door")


def test_opinions_are_answered_and_the_result_published(persona, clock, plan):
    answer = svc.answer_submit(persona("lixiansheng"), consultation_id=plan.pk,
                               unit_id=unit(PACIFIC, "2-1-301").pk, opinion="conditional", comment="电梯移到北侧")
    with pytest.raises(PermissionDenied):
        svc.answer_reply(persona("lixiansheng"), answer_id=answer.pk, text="自问自答")
    svc.answer_reply(persona("zhaozhuren"), answer_id=answer.pk, text="设计单位将复核北侧方案，下周公示。")
    answer.refresh_from_db()
    assert answer.reply.startswith("设计单位") and answer.replied_by == persona("zhaozhuren")
    with pytest.raises(WrongState, match=re.escape(consultations.NOT_YET_CLOSED)):
        svc.consultation_close(persona("zhaozhuren"), consultation_id=plan.pk)
    clock.now = plan.closes_at
    with pytest.raises(WrongState, match=re.escape(consultations.NOT_OPEN)):
        svc.answer_submit(persona("lixiansheng"), consultation_id=plan.pk, unit_id=unit(PACIFIC, "6-1-502").pk,
                          opinion="agree")
    closed = svc.consultation_close(persona("zhaozhuren"), consultation_id=plan.pk)
    notice = Notice.objects.get(pk=closed.summary["notice_id"])
    assert notice.kind == "consultation" and "答复 1 户" in notice.body
    assert notice.table["columns"][0] == "楼栋" and len(notice.table["rows"]) == estate(PACIFIC).buildings.count()


def test_a_consultation_of_some_buildings_only(persona, clock):
    building = estate(PACIFIC).buildings.get(code="2")
    plan = svc.consultation_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, title="2号楼加装电梯",
                                   body="方案", opens_at=clock.now, closes_at=clock.now + DAY,
                                   building_ids=[building.pk])
    assert svc.consultation_summary(plan)["households"] == building.units.count()
    with pytest.raises(InvalidInput, match=re.escape(consultations.UNIT_NOT_IN_GROUP)):
        svc.answer_submit(persona("lixiansheng"), consultation_id=plan.pk, unit_id=unit(PACIFIC, "6-1-502").pk,
                          opinion="agree")
    with pytest.raises(NotFound):
        svc.consultation_create(persona("zhaozhuren"), estate_id=estate(YIWU).pk, title="x", body="y",
                                opens_at=clock.now, closes_at=clock.now + DAY)


# --- conventions ------------------------------------------------------------------------------------
def test_convention_commented_revised_and_adopted_by_a_vote(persona, clock):
    chair = persona("zhaozhuren")
    convention = svc.convention_create(chair, estate_id=estate(PACIFIC).pk, title="太平洋花园居民公约",
                                       articles=["不高空抛物。", "电动车不进楼道。", "  "])
    articles = list(convention.articles.all())
    assert [a.number for a in articles] == [1, 2]
    with pytest.raises(WrongState, match=re.escape(svc.NOT_COMMENTING)):
        svc.article_comment(persona("lixiansheng"), article_id=articles[1].pk, text="楼道充电要管")
    svc.convention_open_comments(chair, convention_id=convention.pk)
    svc.article_comment(persona("lixiansheng"), article_id=articles[1].pk, text="请写明集中充电的地点")
    with pytest.raises(NotFound):
        svc.article_comment(persona("wangayi"), article_id=articles[1].pk, text="别的小区的人")
    with pytest.raises(PermissionDenied):
        svc.article_revise(persona("lixiansheng"), article_id=articles[1].pk, text="我来改")
    revised = svc.article_revise(chair, article_id=articles[1].pk,
                                 text="电动车不进楼道、不飞线充电，在北门充电棚集中充电。")
    assert revised.revision == 1
    assert ArticleComment.objects.get(article=revised).revision == 0  # written on the first text
    vote = svc.convention_to_vote(chair, convention_id=convention.pk, item=2, opens_at=clock.now + 15 * DAY,
                                  closes_at=clock.now + 25 * DAY)
    assert "北门充电棚" in vote.description
    with pytest.raises(WrongState, match=re.escape(svc.CONVENTION_LOCKED)):
        svc.article_revise(chair, article_id=articles[0].pk, text="改")
    votes.vote_announce(chair, vote_id=vote.pk)
    clock.now = vote.opens_at
    owners = {}
    for e in RollEntry.objects.filter(vote=vote).prefetch_related("persons"):
        owners.setdefault(e.owner_key, e)
    for key, e in list(owners.items())[: int(len(owners) * 0.9)]:
        Ballot.objects.create(vote=vote, owner_key=key, unit=e.unit, voter=e.persons.first(), choice="yes",
                              entered_by=chair)
    clock.now = vote.closes_at
    votes.vote_close(chair, vote_id=vote.pk)
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.ADOPTED
    assert Notice.objects.filter(title="太平洋花园居民公约（经业主表决通过）").exists()


def test_convention_needs_articles_and_a_fitting_item(persona, clock):
    chair = persona("zhaozhuren")
    with pytest.raises(InvalidInput, match=re.escape(svc.NO_ARTICLES)):
        svc.convention_create(chair, estate_id=estate(PACIFIC).pk, title="空公约", articles=[" "])
    convention = svc.convention_create(chair, estate_id=estate(PACIFIC).pk, title="公约", articles=["一条"])
    with pytest.raises(InvalidInput, match=re.escape(svc.BAD_CONVENTION_ITEM)):
        svc.convention_to_vote(chair, convention_id=convention.pk, item=6, opens_at=clock.now + 15 * DAY,
                               closes_at=clock.now + 16 * DAY)
    with pytest.raises(PermissionDenied):
        svc.convention_create(persona("lixiansheng"), estate_id=estate(PACIFIC).pk, title="x", articles=["y"])


# --- pages ------------------------------------------------------------------------------------------
def test_consultation_pages(login, persona, plan):
    from django.test import Client

    url = f"/consultations/{plan.pk}/"
    assert Client().get(url).status_code == 302
    assert login("wangayi").get(url).status_code == 404
    page = login("lixiansheng").get(url).content.decode()
    assert "2-1-301" in page and "6-1-502" in page and 'data-testid="coverage"' not in page
    response = login("lixiansheng").post(url, {"unit_id": unit(PACIFIC, "2-1-301").pk, "opinion": "conditional",
                                               "comment": "电梯移到北侧"}, follow=True)
    assert "已答复" in response.content.decode()
    his = Answer.objects.get(consultation=plan, unit=unit(PACIFIC, "2-1-301"))
    assert login("lixiansheng").post(url, {"reply": "x", "answer": his.pk}).status_code == 403
    building_head = login("chen").post(url, {"unit_code": "3-1-101", "opinion": "agree"}, follow=True)
    assert building_head.status_code == 200
    assert Answer.objects.filter(consultation=plan, channel="door").count() == 1
    organiser = login("zhaozhuren").get(url).content.decode()
    assert "答复户数 <strong>2</strong>" in organiser and "电梯移到北侧" in organiser
    login("zhaozhuren").post(url, {"reply": "将复核北侧方案", "answer": his.pk})
    assert "将复核北侧方案" in login("lixiansheng").get(url).content.decode()
    assert login("lixiansheng").post("/consultations/", {"title": "x"}).status_code == 403


def test_convention_pages(login, persona):
    assert login("lixiansheng").get("/conventions/new/").status_code == 403
    response = login("zhaozhuren").post("/conventions/new/", {
        "estate": estate(PACIFIC).pk, "title": "文明养犬公约", "articles": "出门牵绳。\n及时清理粪便。"})
    assert response.status_code == 302
    url = response["Location"]
    login("zhaozhuren").post(url, {"open": "1"})
    article = estate(PACIFIC).conventions.get(title="文明养犬公约").articles.get(number=2)
    login("lixiansheng").post(url, {"comment": "请设置宠物便袋箱", "article": article.pk})
    page = login("lixiansheng").get(url).content.decode()
    assert "请设置宠物便袋箱" in page and "修订本条" not in page
    assert login("lixiansheng").post(url, {"revise": "改", "article": article.pk}).status_code == 403
    login("zhaozhuren").post(url, {"revise": "及时清理粪便，小区设便袋箱。", "article": article.pk})
    page = login("zhaozhuren").get(url).content.decode()
    assert "已修订 1 次" in page and "针对修订前条文" in page
    assert login("wangayi").get(url).status_code == 404


def test_junk_ids_in_forms_are_refused_not_crashed(login, persona, plan):
    url = f"/consultations/{plan.pk}/"
    for data in ({"reply": "x", "answer": "abc"}, {"unit_id": "1e9x", "opinion": "agree"},
                 {"unit_id": "99999999999999999999999", "opinion": "agree"}):
        assert login("zhaozhuren").post(url, data).status_code in (302, 404), data
    assert login("zhaozhuren").post("/conventions/new/", {"estate": "x", "title": "t", "articles": "a"}).status_code == 404
    convention = svc.convention_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, title="公约", articles=["一"])
    response = login("zhaozhuren").post(f"/conventions/{convention.pk}/", {"comment": "x", "article": "zz"})
    assert response.status_code == 404
