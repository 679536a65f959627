"""约谈 → 整改 → 更换: an interview only for a result strictly below the threshold (the edge exactly) or a
run of complaints (its edge too); commitments become items due in working days by the holiday calendar;
the company reports with photos, the committee or community checks (the company may not check its own),
not passed sends the item back or, past its deadline, fails it; replacement is an art. 278 item-4 owners'
vote, refused while nothing failed."""

import datetime
import io

import pytest
from PIL import Image

from gongzhi.bodies.choices import OrgKind
from gongzhi.bodies.models import Organisation
from gongzhi.core import clock as source
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.files import Upload
from gongzhi.requests.models import Request
from gongzhi.reviews import selectors, services
from gongzhi.reviews.choices import InterviewStatus, ItemStatus
from gongzhi.reviews.models import Interview, Rectification, RectificationReport
from gongzhi.votes.models import Vote
from tests.helpers import YIWU, estate
from tests.reviews.helpers import after_close, company, evaluation, marks, zh

COMMITMENTS = [{"text": "清理楼道杂物", "working_days": 3}, {"text": "修复5号楼单元门禁", "working_days": 5},
               {"text": "增加夜间巡逻", "working_days": 10}]


def published_at_60(persona, clock, threshold):
    """An evaluation whose result is exactly 60.0: one paper group scoring 3 on every item, the survey alone."""
    ev = evaluation(persona, survey_weight=100, requests_weight=0, threshold=threshold)
    services.offline_enter(persona("yanshuji"), evaluation_id=ev.pk, name="业主代表", kind="representatives",
                           weight=20, forms=10, scores=marks(ev, "3", "3", "3"))
    after_close(clock, ev)
    return services.evaluation_publish(persona("yanshuji"), evaluation_id=ev.pk)


def interview(persona, ev, who="yanshuji", commitments=COMMITMENTS):
    return services.interview_open(persona(who), estate_id=ev.estate_id, reason="low_result", evaluation_id=ev.pk,
                                   held_on=source.today(), minutes="约谈纪要：物业公司承认服务不到位。",
                                   commitments=commitments)


def photo() -> Upload:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, "PNG")
    return Upload("done.png", out.getvalue())


def test_a_result_at_the_threshold_exactly_is_no_ground(persona, world, clock):
    ev = published_at_60(persona, clock, "60")
    assert str(ev.score) == "60.0" and not ev.result["below_threshold"]
    with pytest.raises(WrongState) as exc:
        interview(persona, ev)
    assert exc.value.message == services.NOT_BELOW.format(score=ev.score, line=ev.threshold)
    assert not Interview.objects.filter(evaluation=ev).exists()


def test_a_result_a_tenth_below_opens_the_interview_with_its_items(persona, world, clock):
    ev = published_at_60(persona, clock, "60.1")
    assert ev.result["below_threshold"]
    found = interview(persona, ev)
    items = list(found.items.all())
    assert [(i.number, i.commitment, i.status) for i in items] == [
        (n, c["text"], ItemStatus.OPEN) for n, c in enumerate(COMMITMENTS, 1)]
    assert found.company == company() and found.status == InterviewStatus.RECTIFYING
    for item, c in zip(items, COMMITMENTS, strict=True):
        assert item.due_at == source.deadline(found.opened_at,
                                              source.Term(c["working_days"], source.Unit.WORKING_DAYS)).at


def test_deadlines_count_working_days_through_the_national_day_holiday(persona, world, clock):
    clock.set("2026-09-20 10:00")
    ev = evaluation(persona, survey_weight=100, requests_weight=0, threshold="90", days=5)
    services.offline_enter(persona("yanshuji"), evaluation_id=ev.pk, name="业主代表", kind="representatives",
                           weight=20, forms=10, scores=marks(ev, "3", "3", "3"))
    clock.set("2026-09-30 10:00")
    ev = services.evaluation_publish(persona("yanshuji"), evaluation_id=ev.pk)
    found = interview(persona, ev, commitments=[{"text": "清理楼道杂物", "working_days": 3}])
    # 1–7 October are the holiday; Saturday 10 October 2026 is a working day in exchange.
    assert source.local(found.items.get().due_at) == source.at(datetime.date(2026, 10, 10), source.END_OF_DAY)


@pytest.mark.parametrize("who, error", [("zhangjingli", PermissionDenied), ("wangayi", PermissionDenied)])
def test_only_the_community_interviews(persona, world, clock, who, error):
    ev = published_at_60(persona, clock, "70")
    with pytest.raises(error):
        interview(persona, ev, who=who)
    assert not Interview.objects.filter(estate__name=YIWU).exists()


@pytest.mark.parametrize("commitments", [[], [{"text": "", "working_days": 3}], [{"text": "清理", "working_days": 0}],
                                         [{"text": "清理", "working_days": 61}], ["清理"]])
def test_bad_commitments_are_refused(persona, world, clock, commitments):
    ev = published_at_60(persona, clock, "70")
    with pytest.raises(InvalidInput):
        interview(persona, ev, commitments=commitments)
    assert not Interview.objects.filter(estate__name=YIWU).exists()
    assert not Rectification.objects.filter(interview__estate__name=YIWU).exists()


def test_a_run_of_complaints_opens_an_interview_at_its_edge(persona, world, clock, settings):
    yiwu = estate(YIWU)
    now = source.now()
    have = selectors.complaints(yiwu, company())
    requests = list(Request.objects.filter(estate=yiwu, satisfaction__isnull=True)[:2])
    Request.objects.filter(pk__in=[r.pk for r in requests]).update(satisfaction=1, created_at=now,
                                                                   handler="property", level=1)
    count = selectors.complaints(yiwu, company())
    assert count == have + len(requests)

    def open_():
        return services.interview_open(persona("yanshuji"), estate_id=yiwu.pk, reason="complaints",
                                       company_id=company().pk, held_on=source.today(), minutes="投诉集中",
                                       commitments=COMMITMENTS[:1])

    settings.GONGZHI_COMPLAINT_RUN = count + 1
    with pytest.raises(WrongState):
        open_()
    assert not Interview.objects.filter(estate__name=YIWU).exists()
    settings.GONGZHI_COMPLAINT_RUN = count
    assert open_().complaints == count


def test_report_reject_and_the_company_may_not_check_its_own(persona, world, clock):
    ev = published_at_60(persona, clock, "70")
    found = interview(persona, ev)
    first = found.items.get(number=1)
    zhang, yan = persona("zhangjingli"), persona("yanshuji")
    with pytest.raises(PermissionDenied):
        services.rectification_report(yan, item_id=first.pk, text="已清理")
    report = services.rectification_report(zhang, item_id=first.pk, text="已清理全部楼道", photos=[photo()])
    assert report.photos.count() == 1 and report.photos.get().content_type == "image/jpeg"
    first.refresh_from_db()
    assert first.status == ItemStatus.REPORTED
    with pytest.raises(WrongState):
        services.rectification_report(zhang, item_id=first.pk, text="再报一次")
    with pytest.raises(PermissionDenied) as exc:
        services.rectification_check(zhang, item_id=first.pk, passed=True)
    assert exc.value.message == services.COMPANY_MAY_NOT_CHECK
    with pytest.raises(InvalidInput):
        services.rectification_check(yan, item_id=first.pk, passed=False, note="")
    first.refresh_from_db()
    assert first.status == ItemStatus.REPORTED
    services.rectification_check(yan, item_id=first.pk, passed=False, note="3号楼仍有杂物")
    first.refresh_from_db()
    assert (first.status, first.sent_back) == (ItemStatus.OPEN, 1)  # back to the company, before its deadline
    assert RectificationReport.objects.get(pk=report.pk).passed is False
    assert selectors.open_items(zhang, services.rules.RECTIFICATION_REPORTER_ROLES)["open"] == 3
    services.rectification_report(zhang, item_id=first.pk, text="3号楼也已清理")
    services.rectification_check(yan, item_id=first.pk, passed=True)
    first.refresh_from_db()
    assert first.status == ItemStatus.PASSED


def test_a_failed_item_allows_replacement_by_an_item_4_vote(persona, world, clock):
    ev = published_at_60(persona, clock, "70")
    found = interview(persona, ev)
    yan = persona("yanshuji")
    vote_window = {"opens_at": source.now() + datetime.timedelta(days=20),
                   "closes_at": source.now() + datetime.timedelta(days=30)}
    incoming = Organisation.objects.create(kind=OrgKind.PROPERTY_COMPANY, name="安阳红旗物业服务有限公司")
    with pytest.raises(WrongState) as exc:
        services.replacement_propose(yan, interview_id=found.pk, **vote_window)
    assert exc.value.message == services.NO_FAILED_ITEM
    assert not Vote.objects.filter(title__contains=company().name).exists()
    first = found.items.get(number=1)
    clock.set(first.due_at + datetime.timedelta(hours=1))
    assert selectors.open_items(persona("zhangjingli"), services.rules.RECTIFICATION_REPORTER_ROLES)["overdue"] == 1
    with pytest.raises(WrongState):
        services.rectification_check(yan, item_id=first.pk, passed=True)  # nothing reported to pass
    services.rectification_check(yan, item_id=first.pk, passed=False, note="逾期未整改")
    first.refresh_from_db()
    found.refresh_from_db()
    assert first.status == ItemStatus.FAILED and found.status == InterviewStatus.FAILED
    with pytest.raises(PermissionDenied):
        services.replacement_propose(persona("zhangjingli"), interview_id=found.pk, **vote_window)
    found = services.replacement_propose(yan, interview_id=found.pk, company_id=incoming.pk,
                                         start=source.today() + datetime.timedelta(days=40),
                                         **{k: v + datetime.timedelta(hours=1) for k, v in vote_window.items()})
    vote = Vote.objects.get(pk=found.vote_id)
    assert (vote.item, vote.status, vote.estate_id) == (4, "draft", ev.estate_id)
    assert zh("解聘") in vote.title and "清理楼道杂物" in vote.description
    with pytest.raises(WrongState):
        services.replacement_propose(yan, interview_id=found.pk, company_id=incoming.pk,
                                     start=source.today() + datetime.timedelta(days=40), **vote_window)
    assert Vote.objects.filter(item=4, estate_id=ev.estate_id, title=vote.title).count() == 1
