"""The rules library: an estate's and a community's rules, each with numbered versions (who proposed,
what changed, the difference between two), adopted by an owners' vote that passed, a meeting or the
community, published through the log, and the version in force on any date; with the permission grid."""

import datetime

import pytest

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.grid import selectors, services
from gongzhi.grid.models import RuleDocument
from tests.grid.helpers import user
from tests.helpers import PACIFIC, YIWU, estate


def convention() -> RuleDocument:
    return RuleDocument.objects.get(estate__name=PACIFIC, title="太平洋花园居民公约")


def test_the_demo_convention_has_two_versions_and_the_second_is_in_force(world, clock):
    doc = convention()
    assert doc.versions.count() == 2
    assert selectors.version_in_force(doc, clock.today).number == 2
    assert selectors.version_in_force(doc, clock.today - datetime.timedelta(days=30)).number == 1
    assert selectors.version_in_force(doc, clock.today - datetime.timedelta(days=500)) is None
    first, second = doc.versions.get(number=1), doc.versions.get(number=2)
    assert first.notice_id and second.notice_id and first.notice.title == "太平洋花园居民公约（第1版）"
    diff = selectors.rule_diff(first, second)
    assert ("+", "第5条 垃圾分类投放，定时定点。") in diff and ("-", "第4条 文明养犬，出门牵绳，及时清理。") in diff
    assert ("+", "第6条 邻里互助，关心独居老人。") in diff


def test_the_rule_page_shows_the_version_in_force_on_a_date_and_what_changed(login, clock):
    doc = convention()
    client = login("lixiansheng")  # an owner of 太平洋花园 reads its rules
    page = client.get(f"/rules/{doc.pk}/").content.decode()
    assert 'data-testid="in-force">第2版' in page and "垃圾分类投放" in page and 'data-testid="diff"' in page
    then = (clock.today - datetime.timedelta(days=30)).isoformat()
    old = client.get(f"/rules/{doc.pk}/?on={then}").content.decode()
    assert 'data-testid="in-force">第1版' in old
    api = client.get(f"/api/v1/rules/{doc.pk}?on={then}").json()
    assert api["in_force"]["number"] == 1 and [v["number"] for v in api["versions"]] == [2, 1]
    rows = client.get(f"/api/v1/rules/{doc.pk}/diff?from_number=1&to_number=2").json()
    assert {"sign": "+", "line": "第6条 邻里互助，关心独居老人。"} in rows


RULE_PAGE = {"lixiansheng": 200, "zhaozhuren": 200, "chen": 200, "shequ": 200, "wuganbu": 200,
             "wangayi": 404, "zhangjingli": 404, "lijing": 404, "zhengbaobao": 404}


@pytest.mark.parametrize("who", list(RULE_PAGE))
def test_rule_page_grid(login, who):
    doc = convention()
    client = login(who)
    page = client.get(f"/rules/{doc.pk}/")
    assert page.status_code == RULE_PAGE[who]
    assert client.get(f"/api/v1/rules/{doc.pk}").status_code == RULE_PAGE[who]
    if RULE_PAGE[who] == 404:
        assert "电动车不进楼道" not in page.content.decode()


def test_only_the_committee_or_the_community_drafts_and_only_the_chair_or_community_adopts(world):
    doc = convention()
    with pytest.raises(PermissionDenied):
        services.rule_version_propose(user("lixiansheng"), rule_document_id=doc.pk, text="x", change_note="y")
    draft = services.rule_version_propose(user("weiyuan"), rule_document_id=doc.pk, text="第1条 新条文",
                                          change_note="committee member's draft")
    assert draft.number == 3 and draft.in_force_from is None
    with pytest.raises(PermissionDenied):  # a committee member drafts but does not adopt
        services.rule_version_adopt(user("weiyuan"), rule_version_id=draft.pk, adopted_by="community")
    with pytest.raises(NotFound):  # another estate's people do not see it at all
        services.rule_version_adopt(user("zhangjingli"), rule_version_id=draft.pk, adopted_by="community")


def test_an_estates_management_rules_need_a_passed_vote_or_a_meeting(world, clock):
    doc = RuleDocument.objects.get(estate__name=PACIFIC, kind="management")
    draft = doc.versions.get(number=1)
    with pytest.raises(InvalidInput) as refused:
        services.rule_version_adopt(user("zhaozhuren"), rule_version_id=draft.pk, adopted_by="community")
    assert refused.value.message == services.COMMUNITY_ADOPTS_ITS_OWN
    from gongzhi.votes.models import Vote

    open_vote = Vote.objects.filter(estate__name=PACIFIC).first()
    with pytest.raises(InvalidInput) as refused:  # a vote still open (or not passed) adopts nothing
        services.rule_version_adopt(user("zhaozhuren"), rule_version_id=draft.pk, adopted_by="vote",
                                    vote_id=open_vote.pk)
    assert refused.value.field == "vote_id"
    Vote.objects.filter(pk=open_vote.pk).update(status="closed", result={"approved": True})
    adopted = services.rule_version_adopt(user("zhaozhuren"), rule_version_id=draft.pk, adopted_by="vote",
                                          vote_id=open_vote.pk)
    assert adopted.vote_id == open_vote.pk and adopted.in_force_from == clock.today and adopted.notice_id
    with pytest.raises(WrongState):
        services.rule_version_adopt(user("zhaozhuren"), rule_version_id=draft.pk, adopted_by="vote",
                                    vote_id=open_vote.pk)


def test_a_version_cannot_come_into_force_before_the_one_in_force(world, clock):
    doc = convention()
    draft = services.rule_version_propose(user("zhaozhuren"), rule_document_id=doc.pk, text="第1条 只有一条",
                                          change_note="精简")
    with pytest.raises(InvalidInput) as refused:
        services.rule_version_adopt(user("shequ"), rule_version_id=draft.pk, adopted_by="community",
                                    in_force_from=clock.today - datetime.timedelta(days=100))
    assert refused.value.field == "in_force_from"
    draft.refresh_from_db()
    assert draft.in_force_from is None and draft.notice_id is None


def test_community_rules_are_the_communitys_and_estate_only_kinds_are_refused_there(world):
    mingfu = estate(YIWU).community
    with pytest.raises(InvalidInput):
        services.rule_document_create(user("shequ"), community_id=mingfu.pk, kind="management", title="x", text="y")
    with pytest.raises(PermissionDenied):
        services.rule_document_create(user("zhaozhuren"), community_id=mingfu.pk, kind="convention", title="明福公约",
                                      text="第1条 …")
    doc = services.rule_document_create(user("shequ"), community_id=mingfu.pk, kind="convention", title="明福社区居民公约",
                                        text="第1条 守望相助")
    assert doc.estate_id is None and doc.versions.get().number == 1
    assert any(d.pk == doc.pk for d in selectors.rules_of_estate(fetched_by=user("wangayi"), estate=estate(YIWU)))
