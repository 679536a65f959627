"""Evaluations: the formula on a hand-computed example (selectors' docstring), owners answering one per
unit, offline groups entered by the community before the close, the result published as a 评议结果
notice in the log, the trend per company, and the bad input the issue names (twice for one unit,
after the close) changing nothing."""

from fractions import Fraction

import pytest

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.notices.models import Notice
from gongzhi.reviews import selectors, services
from gongzhi.reviews.choices import EvaluationStatus
from gongzhi.reviews.models import Evaluation, OfflineGroup, Response
from tests.helpers import YIWU, unit
from tests.reviews.helpers import after_close, evaluation, marks, zh

WEIGHTS = {"a": 30, "b": 30, "c": 40}


def test_the_formula_on_the_hand_computed_example():
    """The worked example of the selectors' docstring, number by number."""
    first = selectors.answer_score({"a": 5, "b": 4, "c": 3}, WEIGHTS)
    second = selectors.answer_score({"a": 4, "b": 4, "c": 4}, WEIGHTS)
    assert (first, second) == (78, 80)
    departments = selectors.answer_score({"a": "4.0", "b": "3.0", "c": "3.5"}, WEIGHTS)
    representatives = selectors.answer_score({"a": "5", "b": "5", "c": "4"}, WEIGHTS)
    assert (departments, representatives) == (70, 92)
    result = selectors.combine(owners=[first, second], owners_weight=60,
                               groups=[(20, departments), (20, representatives)], rates=[90.0, 80.0, 70.0],
                               survey_weight=50, requests_weight=20, fee=75, fee_weight=30)
    assert {k: str(v) for k, v in result.items()} == {"owners": "79.0", "survey": "79.8", "requests": "80.0",
                                                      "fee": "75.0", "score": "78.4"}


def test_parts_without_data_drop_out_of_both_sums():
    # No online answers: the groups alone; no request figures: the survey alone.
    result = selectors.combine(owners=[], owners_weight=60, groups=[(20, Fraction(70))], rates=[None, None, None],
                               survey_weight=70, requests_weight=30)
    assert (result["owners"], result["survey"], result["requests"], str(result["score"])) == (None, 70, None, "70.0")


def test_rounding_is_half_up_at_the_end():
    result = selectors.combine(owners=[Fraction(1441, 20)], owners_weight=1, groups=[], rates=[],
                               survey_weight=1, requests_weight=0)  # 72.05
    assert str(result["score"]) == "72.1"


def test_an_owner_answers_once_per_unit(persona, world, clock):
    ev = evaluation(persona)
    wang = persona("wangayi")
    home = unit(YIWU, "5-1-302")
    services.response_submit(wang, evaluation_id=ev.pk, unit_id=home.pk, scores=marks(ev, 5, 4, 3))
    with pytest.raises(WrongState) as exc:
        services.response_submit(wang, evaluation_id=ev.pk, unit_id=home.pk, scores=marks(ev, 1, 1, 1))
    assert zh(services.ALREADY_ANSWERED, unit="5-1-302") in exc.value.message
    assert list(Response.objects.filter(evaluation=ev).values_list("scores", flat=True)) == [marks(ev, 5, 4, 3)]
    assert selectors.coverage(ev)["answered"] == 1


@pytest.mark.parametrize("who, error", [("zuhu", PermissionDenied), ("yanshuji", PermissionDenied),
                                        ("lixiansheng", NotFound)])
def test_only_an_owner_of_the_unit_answers(persona, world, clock, who, error):
    ev = evaluation(persona)
    with pytest.raises(error):
        services.response_submit(persona(who), evaluation_id=ev.pk, unit_id=unit(YIWU, "5-1-302").pk,
                                 scores=marks(ev, 5, 5, 5))
    assert not Response.objects.filter(evaluation=ev).exists()


@pytest.mark.parametrize("scores", [{}, "5,5,5", None])
def test_every_item_needs_a_score_of_1_to_5(persona, world, clock, scores):
    ev = evaluation(persona)
    bad = {"missing": {}, "zero": marks(ev, 0, 5, 5), "six": marks(ev, 6, 5, 5), "text": marks(ev, "五", 5, 5)}
    for value in [*bad.values(), scores]:
        with pytest.raises(InvalidInput):
            services.response_submit(persona("wangayi"), evaluation_id=ev.pk, unit_id=unit(YIWU, "5-1-302").pk,
                                     scores=value)
    assert not Response.objects.filter(evaluation=ev).exists()


def test_answers_and_offline_entries_stop_at_the_close(persona, world, clock):
    ev = evaluation(persona)
    yan = persona("yanshuji")
    clock.set(ev.closes_at)  # the closing instant itself is closed
    with pytest.raises(WrongState) as exc:
        services.offline_enter(yan, evaluation_id=ev.pk, name="区住建局", kind="department", weight=20, forms=5,
                               scores=marks(ev, "4.0", "4.0", "4.0"))
    assert exc.value.message == services.NOT_OPEN
    with pytest.raises(WrongState):
        services.response_submit(persona("wangayi"), evaluation_id=ev.pk, unit_id=unit(YIWU, "5-1-302").pk,
                                 scores=marks(ev, 5, 5, 5))
    assert not OfflineGroup.objects.filter(evaluation=ev).exists()
    assert not Response.objects.filter(evaluation=ev).exists()


def test_offline_groups_are_entered_by_the_community_only(persona, world, clock):
    ev = evaluation(persona)
    for who, error in (("zhangjingli", PermissionDenied), ("wangayi", PermissionDenied)):
        with pytest.raises(error):
            services.offline_enter(persona(who), evaluation_id=ev.pk, name="业主代表", kind="representatives",
                                   weight=20, forms=12, scores=marks(ev, "4.0", "4.0", "4.0"))
    yan = persona("yanshuji")
    for bad in (marks(ev, "4.0", "4.0", "5.1"), marks(ev, "4.05", "4", "4"), marks(ev, "", "4", "4"),
                marks(ev, "NaN", "4", "4")):
        with pytest.raises(InvalidInput):
            services.offline_enter(yan, evaluation_id=ev.pk, name="业主代表", kind="representatives", weight=20,
                                   forms=12, scores=bad)
    services.offline_enter(yan, evaluation_id=ev.pk, name="业主代表", kind="representatives", weight=20, forms=12,
                           scores=marks(ev, "5", "5", "4"))
    with pytest.raises(InvalidInput) as exc:
        services.offline_enter(yan, evaluation_id=ev.pk, name="业主代表", kind="representatives", weight=20,
                               forms=3, scores=marks(ev, "1", "1", "1"))
    assert exc.value.message == services.GROUP_TWICE.format(name="业主代表")
    assert OfflineGroup.objects.filter(evaluation=ev).count() == 1


def test_the_result_combines_answers_groups_and_requests_and_is_published(persona, world, clock):
    ev = evaluation(persona)
    yan = persona("yanshuji")
    services.response_submit(persona("wangayi"), evaluation_id=ev.pk, unit_id=unit(YIWU, "5-1-302").pk,
                             scores=marks(ev, 5, 4, 3))
    services.offline_enter(yan, evaluation_id=ev.pk, name="区住建局", kind="department", weight=20, forms=5,
                           scores=marks(ev, "4.0", "3.0", "3.5"))
    services.offline_enter(yan, evaluation_id=ev.pk, name="业主代表", kind="representatives", weight=20, forms=12,
                           scores=marks(ev, "5", "5", "4"))
    with pytest.raises(WrongState):
        services.evaluation_publish(yan, evaluation_id=ev.pk)  # before the close
    after_close(clock, ev)
    with pytest.raises(PermissionDenied):
        services.evaluation_publish(persona("zhangjingli"), evaluation_id=ev.pk)
    published = services.evaluation_publish(yan, evaluation_id=ev.pk)
    rates = selectors.request_rates(ev.estate, ev.period_start, ev.period_end)
    expected = selectors.combine(owners=[Fraction(78)], owners_weight=60, groups=[(20, Fraction(70)), (20, Fraction(92))],
                                 rates=[rates["resolution_rate"], rates["on_time_rate"], rates["satisfaction_rate"]],
                                 survey_weight=70, requests_weight=30)
    assert str(expected["survey"]) == "79.2"  # (60·78 + 20·70 + 20·92) / 100
    assert published.score == expected["score"] and published.status == EvaluationStatus.PUBLISHED
    notice = Notice.objects.get(pk=published.notice_id)
    assert notice.kind == "evaluation" and notice.title == "评议结果：义乌城物业服务评议"
    assert f"综合得分 {expected['score']} 分" in notice.body
    assert ["综合得分", str(expected["score"])] in notice.table["rows"]
    with pytest.raises(WrongState):
        services.evaluation_publish(yan, evaluation_id=ev.pk)
    assert [e.pk for e in selectors.company_trend(fetched_by=yan, company_id=ev.company_id)][-1] == ev.pk


def test_double_evaluation_counts_the_fee_collection_rate(persona, world, clock):
    ev = evaluation(persona, kind="double")
    assert (ev.survey_weight, ev.requests_weight, ev.fee_weight) == (50, 20, 30)
    services.offline_enter(persona("yanshuji"), evaluation_id=ev.pk, name="业主代表", kind="representatives",
                           weight=20, forms=12, scores=marks(ev, "3", "3", "3"))
    after_close(clock, ev)
    result = selectors.evaluation_result(ev)
    from gongzhi.finance.selectors import collection_rate
    rate = collection_rate([ev.estate_id], ev.period_start, ev.period_end)["rate"]
    assert result["fee_rate"] == (str(rate) if rate is not None else None)
    rates = result["rates"]
    expected = selectors.combine(owners=[], owners_weight=60, groups=[(20, Fraction(60))],
                                 rates=[rates["resolution_rate"], rates["on_time_rate"], rates["satisfaction_rate"]],
                                 survey_weight=50, requests_weight=20, fee=rate, fee_weight=30)
    assert result["score"] == str(expected["score"])


def test_nothing_answered_publishes_nothing(persona, world, clock):
    ev = evaluation(persona)
    after_close(clock, ev)
    with pytest.raises(WrongState) as exc:
        services.evaluation_publish(persona("yanshuji"), evaluation_id=ev.pk)
    assert exc.value.message == services.NO_ANSWERS
    assert not Notice.objects.filter(kind="evaluation", title__contains=ev.title).exists()


@pytest.mark.parametrize("change, field", [
    ({"items": []}, "items"), ({"items": [{"name": "保洁", "weight": 0}]}, "items"),
    ({"items": [{"name": "保洁", "weight": 10}, {"name": "保洁", "weight": 10}]}, "items"),
    ({"threshold": "101"}, "threshold"), ({"kind": "other"}, "kind"), ({"days": -1}, "closes_at"),
    ({"company_id": 0}, "company_id"), ({"title": " "}, "title"),
])
def test_bad_questionnaires_are_refused(persona, world, clock, change, field):
    before = Evaluation.objects.count()
    with pytest.raises(InvalidInput) as exc:
        evaluation(persona, **change)
    assert exc.value.field == field
    assert Evaluation.objects.count() == before


def test_who_starts_an_evaluation(persona, world, clock):
    for who, error in (("zhangjingli", PermissionDenied), ("wangayi", PermissionDenied), ("lijing", NotFound)):
        with pytest.raises(error):
            evaluation(persona, who=who)
    assert evaluation(persona, who="shequ").created_by.username == "shequ"
