"""Races on PostgreSQL: one unit answered twice at the same moment, one report checked by two people at
once, one 红黑榜 entry reviewed twice at once — each ends with exactly one change and a clear refusal."""

import datetime

import pytest

from gongzhi.core import clock as source
from gongzhi.core.errors import WrongState
from gongzhi.notices.models import Notice
from gongzhi.reviews import services
from gongzhi.reviews.models import ListEntry, Rectification, Response
from tests.helpers import YIWU, race, unit
from tests.reviews.helpers import after_close, evaluation, marks

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_one_unit_answered_twice_at_once_counts_once(world, persona, clock):
    ev = evaluation(persona)
    home = unit(YIWU, "5-1-302").pk
    results = race([lambda s=s: services.response_submit(persona("wangayi"), evaluation_id=ev.pk, unit_id=home,
                                                         scores=marks(ev, s, s, s)) for s in (5, 1)])
    assert sorted(type(r).__name__ for r in results) == ["Response", "WrongState"], results
    assert Response.objects.filter(evaluation=ev).count() == 1


def test_a_report_checked_by_two_at_once_is_checked_once(world, persona, clock):
    ev = evaluation(persona, survey_weight=100, requests_weight=0, threshold="70")
    services.offline_enter(persona("yanshuji"), evaluation_id=ev.pk, name="业主代表", kind="representatives",
                           weight=20, forms=10, scores=marks(ev, "3", "3", "3"))
    after_close(clock, ev)
    ev = services.evaluation_publish(persona("yanshuji"), evaluation_id=ev.pk)
    interview = services.interview_open(persona("yanshuji"), estate_id=ev.estate_id, reason="low_result",
                                        evaluation_id=ev.pk, held_on=source.today(), minutes="约谈",
                                        commitments=[{"text": "清理楼道杂物", "working_days": 5}])
    item = interview.items.get()
    services.rectification_report(persona("zhangjingli"), item_id=item.pk, text="已清理")
    results = race([lambda: services.rectification_check(persona("yanshuji"), item_id=item.pk, passed=True),
                    lambda: services.rectification_check(persona("shequ"), item_id=item.pk, passed=False,
                                                         note="仍有杂物")])
    assert sum(isinstance(r, WrongState) for r in results) == 1, results
    assert Rectification.objects.get(pk=item.pk).reports.filter(checked_at__isnull=False).count() == 1


def test_an_entry_reviewed_twice_at_once_is_listed_once(world, persona, clock):
    entry = services.entry_record(persona("shequ"), unit_id=unit(YIWU, "5-1-302").pk, kind="honour",
                                  article="第三条", evidence="热心公益")
    clock.set(source.at(entry.objection_until + datetime.timedelta(days=1), datetime.time(10)))
    results = race([lambda: services.entry_review(persona("yanshuji"), entry_id=entry.pk, upheld=True)] * 2)
    assert sum(isinstance(r, WrongState) for r in results) == 1, results
    assert ListEntry.objects.get(pk=entry.pk).status == "listed"
    assert Notice.objects.filter(kind="honour_list", title="红榜：5号楼1单元").count() == 1


def test_a_renewal_decided_twice_at_once_is_decided_once(world, persona, clock):
    from gongzhi.bodies.models import ServiceContract
    from gongzhi.reviews.models import RenewalDecision
    from tests.reviews.test_accountability import ranked

    ranking, contract = ranked(persona, clock)
    results = race([lambda: services.renewal_decide(persona("yanshuji"), estate_id=contract.estate_id,
                                                    ranking_id=ranking.pk, renew=True),
                    lambda: services.renewal_decide(persona("shequ"), estate_id=contract.estate_id,
                                                    ranking_id=ranking.pk, renew=False, reason="不续聘")])
    assert sum(isinstance(r, WrongState) for r in results) == 1, results
    assert RenewalDecision.objects.filter(contract=contract).count() == 1
    assert ServiceContract.objects.filter(predecessor=contract).count() == (1 if RenewalDecision.objects.get(
        contract=contract).renewed else 0)


def test_a_confirmed_breach_acted_on_twice_at_once_opens_one_case(world, persona, clock):
    from gongzhi.finance.models import AccountabilityCase
    from tests.reviews.test_accountability import confirmed

    case = confirmed(persona, clock)
    deadline = source.today() + datetime.timedelta(days=10)
    results = race([lambda: services.breach_case_open(persona("yanshuji"), case_id=case.pk, deadline=deadline)] * 2)
    assert sum(isinstance(r, WrongState) for r in results) == 1, results
    assert AccountabilityCase.objects.filter(source="九不准", estate_id=case.estate_id).count() == 1
