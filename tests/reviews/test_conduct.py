"""九不准: the estate's conduct list adopted in versions; a reported breach by a serving committee member
with evidence → the community's interview → a finding; the finding only after the interview; who sees
the cases; bad input changing nothing."""

import datetime

import pytest

from gongzhi.core import clock as source
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.models import Notification
from gongzhi.notices.models import Notice
from gongzhi.people.models import Person
from gongzhi.reviews import selectors, services
from gongzhi.reviews.choices import NINE_DONTS, CaseStatus
from gongzhi.reviews.models import ConductCase
from tests.helpers import YIWU, estate, unit


def member() -> Person:
    """An owner seated in 义乌城's 物管会 by the demo."""
    return unit(YIWU, "1-1-101").ownerships.get(until__isnull=True).person


def report(persona, who="wangayi", item=2, person=None):
    return services.breach_report(persona(who), estate_id=estate(YIWU).pk, member_id=(person or member()).pk,
                                  item=item, evidence="有业主反映该委员收受物业公司购物卡")


def test_versions_and_a_report_under_the_current_one(persona, world, clock):
    with pytest.raises(WrongState) as exc:
        report(persona)
    assert exc.value.message == services.NO_RULES
    yan = persona("yanshuji")
    first = services.conduct_rules_adopt(yan, estate_id=estate(YIWU).pk, items=list(NINE_DONTS))
    second = services.conduct_rules_adopt(yan, estate_id=estate(YIWU).pk, items=list(NINE_DONTS[:8]))
    assert (first.version, second.version, len(second.items)) == (1, 2, 8)
    assert Notice.objects.filter(title="业主委员会委员九不准负面清单（第2版）").exists()
    case = report(persona)
    assert case.rules == second and case.status == CaseStatus.REPORTED
    assert [r.version for r in selectors.rules_history(estate(YIWU))] == [2, 1]


@pytest.mark.parametrize("items", [[], ["不准"] * 2, ["x" * 201], [""]])
def test_bad_lists_are_refused(persona, world, clock, items):
    with pytest.raises(InvalidInput):
        services.conduct_rules_adopt(persona("yanshuji"), estate_id=estate(YIWU).pk, items=items)
    assert selectors.current_rules(estate(YIWU)) is None


def test_only_the_community_adopts(persona, world, clock):
    for who in ("wangayi", "zhangjingli"):
        with pytest.raises(PermissionDenied):
            services.conduct_rules_adopt(persona(who), estate_id=estate(YIWU).pk, items=list(NINE_DONTS))
    assert selectors.current_rules(estate(YIWU)) is None


def test_a_report_names_a_serving_member_and_an_item_of_the_list(persona, world, clock):
    services.conduct_rules_adopt(persona("yanshuji"), estate_id=estate(YIWU).pk, items=list(NINE_DONTS))
    outsider = unit(YIWU, "7-1-101").ownerships.get(until__isnull=True).person  # on no committee
    with pytest.raises(InvalidInput) as exc:
        report(persona, person=outsider)
    assert exc.value.message == services.NOT_A_MEMBER
    for item in (0, 10):
        with pytest.raises(InvalidInput):
            report(persona, item=item)
    assert not ConductCase.objects.filter(estate=estate(YIWU)).exists()


def test_interview_then_finding(persona, world, clock):
    services.conduct_rules_adopt(persona("yanshuji"), estate_id=estate(YIWU).pk, items=list(NINE_DONTS))
    case = report(persona)
    yan = persona("yanshuji")
    with pytest.raises(WrongState) as exc:
        services.breach_find(yan, case_id=case.pk, confirmed=True, finding="属实")
    assert exc.value.message == services.INTERVIEW_FIRST
    with pytest.raises(PermissionDenied):
        services.breach_interview(persona("wangayi"), case_id=case.pk, held_on=source.today(), notes="约谈")
    with pytest.raises(InvalidInput):
        services.breach_interview(yan, case_id=case.pk, held_on=source.today() + datetime.timedelta(days=1),
                                  notes="约谈")
    services.breach_interview(yan, case_id=case.pk, held_on=source.today(), notes="委员承认收受购物卡一张")
    found = services.breach_find(yan, case_id=case.pk, confirmed=True, finding="违反第2条，责令退还并书面检讨")
    assert found.status == CaseStatus.CONFIRMED
    assert [c.pk for c in selectors.confirmed_breaches(member())] == [case.pk]
    assert Notification.objects.filter(user=persona("wangayi"), title="九不准举报认定：认定违反").exists()
    with pytest.raises(WrongState):
        services.breach_find(yan, case_id=case.pk, confirmed=False, finding="改判")


def test_who_sees_a_case(persona, world, clock, login):
    services.conduct_rules_adopt(persona("yanshuji"), estate_id=estate(YIWU).pk, items=list(NINE_DONTS))
    case = report(persona)
    expected = {"wangayi": 200, "yanshuji": 200, "sunjiancha": 200, "zuhu": 404, "zhangjingli": 404, "lijing": 404}
    for who, status in expected.items():
        assert login(who).get(f"/conduct/cases/{case.pk}/").status_code == status, who
    page = login("wangayi").get(f"/conduct/cases/{case.pk}/").content
    assert b"case-interview-form" not in page
    assert b"case-interview-form" in login("yanshuji").get(f"/conduct/cases/{case.pk}/").content
