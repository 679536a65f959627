"""Rules the code enforces name the version they follow (the rules library as core.registry's rule source), and a
rule version adopted through a meeting: a matter of the estate (or of its community) that a meeting decided,
in force from its date, published through the log; another estate's matter, one not decided, or one decided
against, is refused and changes nothing."""

import datetime

import pytest

from gongzhi.core import registry
from gongzhi.core.errors import InvalidInput
from gongzhi.grid import selectors, services
from gongzhi.grid.models import RuleDocument
from gongzhi.meetings.models import Decision, Matter
from gongzhi.notices.models import LogLeaf
from tests.grid.helpers import user
from tests.helpers import PACIFIC, YIWU, estate

DAY = datetime.timedelta(days=1)


def management() -> RuleDocument:
    return RuleDocument.objects.get(estate__name=PACIFIC, kind="management")


def matter(title: str) -> Matter:
    return Matter.objects.get(title=title)


# --- the rule source ----------------------------------------------------------------------------------------
def test_the_kinds_the_code_asks_for_exist():
    from gongzhi.grid.choices import RuleKind

    assert RuleKind("conduct").label == "九不准（业委会成员行为规范）"
    assert RuleKind("seals").label == "印章管理制度"


def test_the_registry_answers_with_the_estates_version_in_force_on_the_day(world, clock):
    doc = RuleDocument.objects.get(estate__name=PACIFIC, kind="seals")
    first = doc.versions.get(number=1)
    found = registry.rule_in_force("seals", estate(PACIFIC), clock.today)
    assert found == registry.RuleInForce(
        version_id=first.pk, label=f"《太平洋花园印章管理制度》第1版（{first.in_force_from}施行）",
        url=f"/rules/{doc.pk}/?on={first.in_force_from}")
    assert registry.rule_in_force("seals", estate(PACIFIC), first.in_force_from).version_id == first.pk  # first day
    assert registry.rule_in_force("seals", estate(PACIFIC), first.in_force_from - DAY) is None  # the day before
    assert registry.rule_in_force("conduct", estate(PACIFIC), clock.today).label.startswith("《太平洋花园业委会成员九不准》")
    assert registry.rule_in_force("seals", estate(PACIFIC).pk, clock.today).version_id == first.pk  # an id will do
    assert registry.rule_in_force("no_such_kind", estate(PACIFIC), clock.today) is None


def test_an_estate_without_its_own_follows_its_communitys_and_its_own_wins(world, clock):
    yiwu = estate(YIWU)
    assert registry.rule_in_force("seals", yiwu, clock.today) is None
    community = services.rule_document_create(user("shequ"), community_id=yiwu.community_id, kind="seals",
                                              title="明福社区印章代管制度", text="第1条 印章入箱代管。")
    services.rule_version_adopt(user("shequ"), rule_version_id=community.versions.get().pk, adopted_by="community")
    assert registry.rule_in_force("seals", yiwu, clock.today).label.startswith("《明福社区印章代管制度》第1版")
    if estate(PACIFIC).community_id == yiwu.community_id:  # an estate's own rule comes before its community's
        assert registry.rule_in_force("seals", estate(PACIFIC), clock.today).label.startswith("《太平洋花园印章管理制度》")


def test_the_community_adopts_an_estates_seal_rules_but_not_its_management_rules(world):
    doc = services.rule_document_create(user("shequ"), estate_id=estate(YIWU).pk, kind="conduct",
                                        title="义乌城业委会九不准", text="第1条 不准违规使用印章。")
    adopted = services.rule_version_adopt(user("shequ"), rule_version_id=doc.versions.get().pk, adopted_by="community")
    assert adopted.in_force_from is not None and adopted.notice_id
    with pytest.raises(InvalidInput) as refused:
        services.rule_version_adopt(user("shequ"), rule_version_id=management().versions.get(number=1).pk,
                                    adopted_by="community")
    assert refused.value.message == services.COMMUNITY_ADOPTS_ITS_OWN


# --- adoption through a meeting -------------------------------------------------------------------------------
def test_a_meeting_resolution_adopts_a_version_from_its_date_and_publishes_it(world, clock):
    doc = management()
    draft = doc.versions.get(number=1)
    decided = matter("儿童游乐场改造")  # the 业委会会议 decided it (passed)
    assert Decision.objects.filter(matter=decided, passed=True).exists()
    starts = clock.today + 7 * DAY
    adopted = services.rule_version_adopt(user("zhaozhuren"), rule_version_id=draft.pk, adopted_by="matter",
                                          matter_id=decided.pk, in_force_from=starts)
    assert (adopted.adopted_by, adopted.matter_id, adopted.vote_id) == ("matter", decided.pk, None)
    assert adopted.in_force_from == starts
    assert selectors.version_in_force(doc, starts - DAY) is None  # adopted, not yet in force
    assert selectors.version_in_force(doc, starts).pk == draft.pk  # in force on its first day
    notice = adopted.notice
    assert notice.title == "太平洋花园管理规约（第1版）" and notice.estate_id == estate(PACIFIC).pk
    assert notice.body.startswith(f"会议议定（儿童游乐场改造），自{starts:%Y年%m月%d日}起施行。")
    leaf = LogLeaf.objects.get(kind="notice", ref_id=notice.pk)  # published through the log
    assert leaf.estate_id == estate(PACIFIC).pk and "太平洋花园管理规约（第1版）" in leaf.entry


def test_a_community_rule_is_adopted_by_its_communitys_decided_matter(world):
    community_matter = Matter.objects.filter(estate__isnull=True, subdistrict__isnull=False).first()
    assert community_matter is not None
    yiwu = estate(YIWU)
    doc = services.rule_document_create(user("shequ"), community_id=yiwu.community_id, kind="convention",
                                        title="明福社区文明公约", text="第1条 守望相助。")
    with pytest.raises(InvalidInput) as refused:  # the subdistrict's matter is not the community's
        services.rule_version_adopt(user("shequ"), rule_version_id=doc.versions.get().pk, adopted_by="matter",
                                    matter_id=community_matter.pk)
    assert refused.value.message == services.MATTER_NOT_HERE
    Matter.objects.filter(pk=community_matter.pk).update(subdistrict=None, community_id=yiwu.community_id)
    adopted = services.rule_version_adopt(user("shequ"), rule_version_id=doc.versions.get().pk, adopted_by="matter",
                                          matter_id=community_matter.pk)
    assert adopted.matter_id == community_matter.pk and adopted.notice.community_id == yiwu.community_id


def refused_with(field_message, **kw):
    draft = management().versions.get(number=1)
    with pytest.raises(InvalidInput) as refused:
        services.rule_version_adopt(user("zhaozhuren"), rule_version_id=draft.pk, adopted_by="matter", **kw)
    assert (refused.value.field, refused.value.message) == ("matter_id", field_message)
    draft.refresh_from_db()
    assert draft.in_force_from is None and draft.notice_id is None and draft.matter_id is None


def test_another_estates_matter_adopts_nothing(world):
    other = matter("儿童游乐场改造")
    Matter.objects.filter(pk=other.pk).update(estate=estate(YIWU))  # decided, but 义乌城's
    refused_with(services.MATTER_NOT_HERE, matter_id=other.pk)


def test_an_undecided_matter_adopts_nothing(world):
    waiting = matter("规范地面停车收费")  # still waiting for its joint meeting
    assert not Decision.objects.filter(matter=waiting).exists()
    refused_with(services.MATTER_NOT_DECIDED, matter_id=waiting.pk)


def test_a_matter_the_meeting_decided_against_adopts_nothing(world):
    decided = matter("儿童游乐场改造")
    Decision.objects.filter(matter=decided).update(passed=False)
    refused_with(services.MATTER_NOT_DECIDED, matter_id=decided.pk)


@pytest.mark.parametrize("matter_id", [None, 99_999_999, "x"])
def test_a_missing_matter_adopts_nothing(world, matter_id):
    refused_with(services.MATTER_NOT_HERE, matter_id=matter_id)


def test_a_community_rule_refuses_an_estates_matter(world):
    yiwu = estate(YIWU)
    doc = services.rule_document_create(user("shequ"), community_id=yiwu.community_id, kind="convention",
                                        title="明福社区文明公约", text="第1条 守望相助。")
    with pytest.raises(InvalidInput) as refused:
        services.rule_version_adopt(user("shequ"), rule_version_id=doc.versions.get().pk, adopted_by="matter",
                                    matter_id=matter("儿童游乐场改造").pk)
    assert refused.value.message == services.MATTER_NOT_HERE


def test_adoption_through_a_meeting_over_the_api(login, world):
    draft = management().versions.get(number=1)
    client = login("zhaozhuren")
    bad = client.post(f"/api/v1/rule-versions/{draft.pk}/adopt",
                      {"adopted_by": "matter", "matter_id": matter("规范地面停车收费").pk}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["detail"] == services.MATTER_NOT_DECIDED
    ok = client.post(f"/api/v1/rule-versions/{draft.pk}/adopt",
                     {"adopted_by": "matter", "matter_id": matter("儿童游乐场改造").pk}, content_type="application/json")
    assert ok.status_code == 200, ok.content
