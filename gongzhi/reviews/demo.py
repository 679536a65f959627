"""The demo's slice of holding service to account: a year of quarterly evaluations of the demo's
companies (义乌城's and 太平洋花园's property companies by 评议, 安和苑's community service company at 育才新村
and 老纺织厂家属院 by 双评), each with paper groups and the personas' online answers and published in the log;
太平洋花园's company below the line last quarter, interviewed and in rectification (one item passed, one
reported and waiting for the check, one overdue); this year's evaluation of 义乌城's company open to its
owners; 太平洋花园's 红黑榜 with an honour listed and a warning under objection, and its 九不准 list with a
member's reported breach interviewed and waiting for the finding; 义乌城's mediations at the 老党员调解室
(two settled last quarter, one open). Everything goes through
the services, backdated with the clock."""

import datetime

from django.contrib.auth import get_user_model

from gongzhi.bodies.models import Organisation
from gongzhi.core import clock
from gongzhi.places.models import Unit
from gongzhi.reviews import services as s
from gongzhi.reviews.choices import NINE_DONTS, EvaluationKind

ITEMS = [{"name": "保洁", "weight": 20}, {"name": "绿化", "weight": 15}, {"name": "安保", "weight": 20},
         {"name": "维修响应", "weight": 25}, {"name": "服务态度", "weight": 20}]
GROUPS = [("区住建局", "department", 15), ("双报到单位", "partner", 10), ("业主代表", "representatives", 15)]
# (estate attribute, company name, kind, the personas who own units there and answer online)
SERVED = [("yiwu", "安阳义乌城物业服务有限公司", EvaluationKind.ORDINARY, ["wangayi"]),
          ("pacific", "太平洋物业服务有限公司", EvaluationKind.ORDINARY, ["lixiansheng", "zhaozhuren", "chen", "weiyuan"]),
          ("yucai", "安和苑社区为民服务有限责任公司", EvaluationKind.DOUBLE, []),
          ("fangzhi", "安和苑社区为民服务有限责任公司", EvaluationKind.DOUBLE, [])]
COMMITMENTS = [("清理地下车库和楼道堆放杂物", 5), ("维修报修 48 小时内上门，公示维修电话", 10),
               ("补种中心花园缺损绿植", 15)]


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return clock.at(day, datetime.time(hour, minute))


def _user(username):
    return get_user_model().objects.get(username=username)


def _evaluate(w, estate, company, kind, answering, quarter, low: bool):
    # The community's secretary organises (the notices are published by a person): 燕 in 明福, 李 in 安和苑.
    organiser = w.yan if estate.community_id == w.mingfu.pk else _user("lijing")
    opened = _at(quarter.end + datetime.timedelta(days=1), 9)
    with clock.frozen(opened):
        ev = s.evaluation_create(organiser, estate_id=estate.pk, company_id=company.pk, kind=kind, items=ITEMS,
                                 title=f"{company.name}{quarter.label}{'双评' if kind == EvaluationKind.DOUBLE else '服务评议'}",
                                 period_start=quarter.start, period_end=quarter.end,
                                 closes_at=opened + datetime.timedelta(days=10))
    items = [str(i.pk) for i in ev.items.all()]
    with clock.frozen(opened + datetime.timedelta(days=3)):
        for username in answering:
            user = _user(username)
            for unit in Unit.objects.filter(estate=estate, ownerships__person__user=user,
                                            ownerships__until__isnull=True).distinct():
                s.response_submit(user, evaluation_id=ev.pk, unit_id=unit.pk, scores={
                    k: 2 if low else w.rng.choice((3, 4, 4, 5)) for k in items})
        for name, group_kind, weight in GROUPS:
            s.offline_enter(organiser, evaluation_id=ev.pk, name=name, kind=group_kind, weight=weight,
                            forms=w.rng.randint(5, 30), scores={
                                k: str(w.rng.choice(("1.5", "1.8", "2.0")) if low else w.rng.choice(
                                    ("3.6", "3.9", "4.1", "4.3", "4.6"))) for k in items})
    with clock.frozen(ev.closes_at + datetime.timedelta(hours=15)):
        return s.evaluation_publish(organiser, evaluation_id=ev.pk)


def load(w) -> None:
    today = clock.today()
    # Quarters that ended at least 45 days ago: each evaluation, its result, the interview and the first
    # deadlines lie wholly in the past whatever the day the demo is loaded.
    quarters = [clock.last_complete(clock.PeriodKind.QUARTER, today - datetime.timedelta(days=45))]
    for _ in range(3):
        quarters.insert(0, quarters[0].previous())
    last = {}
    for attribute, name, kind, answering in SERVED:
        estate, company = getattr(w, attribute), Organisation.objects.get(name=name)
        for quarter in quarters:
            low = attribute == "pacific" and quarter == quarters[-1]
            last[attribute] = _evaluate(w, estate, company, kind, answering, quarter, low)
    _rectification(w, last["pacific"])
    _open_evaluation(w)
    _honour_list(w)
    _conduct(w)
    _mediations(w)


def _rectification(w, evaluation) -> None:
    """太平洋花园's company, below the line: interviewed two days after the result; one item passed, one
    reported and waiting, one past its deadline."""
    held = clock.local_date(evaluation.published_at) + datetime.timedelta(days=2)
    with clock.frozen(_at(held, 15)):
        interview = s.interview_open(
            w.yan, estate_id=w.pacific.pk, reason="low_result", evaluation_id=evaluation.pk, held_on=held,
            minutes=(f"社区党委约谈太平洋物业服务有限公司。评议综合得分 {evaluation.score} 分，低于约谈线。"
                     "企业承认车库杂物、报修响应慢、绿化缺损等问题，承诺限期整改。"),
            commitments=[{"text": t, "working_days": d} for t, d in COMMITMENTS])
    first, second, _third = interview.items.order_by("number")
    with clock.frozen(first.due_at - datetime.timedelta(days=1)):
        s.rectification_report(w.pacific_manager, item_id=first.pk, text="车库和各楼道杂物已全部清运，照片见附件。")
    with clock.frozen(first.due_at - datetime.timedelta(hours=20)):
        s.rectification_check(w.zhao_user, item_id=first.pk, passed=True, note="现场查看，已清理干净。")
    now = clock.now()
    reported = min(second.due_at - datetime.timedelta(days=1), now - datetime.timedelta(hours=1))
    with clock.frozen(reported):
        s.rectification_report(w.pacific_manager, item_id=second.pk, text="已在各单元门口公示维修电话，值班表附后。")


def _open_evaluation(w) -> None:
    """This year's evaluation of 义乌城's company, open to its owners for two weeks."""
    year = clock.period(clock.PeriodKind.YEAR, clock.today())
    company = Organisation.objects.get(name="安阳义乌城物业服务有限公司")
    s.evaluation_create(w.yan, estate_id=w.yiwu.pk, company_id=company.pk, items=ITEMS,
                        title=f"{company.name}{year.label}业主满意度评议", period_start=year.start,
                        period_end=clock.today(), closes_at=clock.now() + datetime.timedelta(days=14))


def _honour_list(w) -> None:
    """太平洋花园's board: an honour listed after its review; a warning objected to, waiting for the branch."""
    today = clock.today()
    start = today - datetime.timedelta(days=20)
    with clock.frozen(_at(start, 10)):
        honour = s.entry_record(w.zhao_user, unit_id=Unit.objects.get(estate=w.pacific, code="4-1-104").pk,
                                kind="honour", article="第三条 邻里互助、热心公益",
                                evidence="连续三个月义务清扫4号楼楼道，邻里联名推荐。")
    with clock.frozen(_at(honour.objection_until + datetime.timedelta(days=1), 10)):
        s.entry_review(w.yan, entry_id=honour.pk, upheld=True, note="无异议，事实清楚。")
    with clock.frozen(_at(today - datetime.timedelta(days=2), 10)):
        warning = s.entry_record(w.zhao_user, unit_id=Unit.objects.get(estate=w.pacific, code="2-1-301").pk,
                                 kind="warning", article="第七条 不得占用消防通道停放车辆",
                                 evidence="11月连续五天在2号楼消防通道停车，物业劝导记录和照片在案。")
    with clock.frozen(_at(today - datetime.timedelta(days=1), 20)):
        s.entry_object(_user("lixiansheng"), entry_id=warning.pk, text="车辆是来访亲戚停放，已告知不再停放。")


def _conduct(w) -> None:
    """太平洋花园 adopted the nine as its list; 李 reported a member's absences, interviewed, not yet found."""
    today = clock.today()
    with clock.frozen(_at(today - datetime.timedelta(days=60), 10)):
        s.conduct_rules_adopt(w.yan, estate_id=w.pacific.pk, items=list(NINE_DONTS))
    member = Unit.objects.get(estate=w.pacific, code="4-1-104").ownerships.get(until__isnull=True).person
    with clock.frozen(_at(today - datetime.timedelta(days=6), 19)):
        case = s.breach_report(_user("lixiansheng"), estate_id=w.pacific.pk, member_id=member.pk, item=9,
                               evidence="连续三次业委会会议未到，也未请假（会议签到表）。")
    with clock.frozen(_at(today - datetime.timedelta(days=3), 15)):
        s.breach_interview(w.yan, case_id=case.pk, held_on=today - datetime.timedelta(days=3),
                           notes="委员称外地工作，承诺今后按时参会或书面请假。")


def _mediations(w) -> None:
    """义乌城's 老党员调解室: two disputes settled last quarter (counted in its comparison), one still open."""
    today = clock.today()
    quarter = clock.last_complete(clock.PeriodKind.QUARTER)
    for offset, kind, summary, outcome in [
            (10, "noise", "楼上装修周末早七点施工，楼下老人休息受影响。", "双方约定周末九点后施工，已履行。"),
            (40, "neighbour_dispute", "两户为楼道堆放杂物起争执。", "杂物清走，双方握手言和。")]:
        received = quarter.start + datetime.timedelta(days=offset)
        with clock.frozen(_at(received, 9)):
            found = s.mediation_record(w.yan, estate_id=w.yiwu.pk, kind=kind, summary=summary,
                                       mediator="老党员调解室", received_on=received)
        with clock.frozen(_at(received + datetime.timedelta(days=3), 16)):
            s.mediation_close(w.yan, mediation_id=found.pk, settled=True, outcome=outcome)
    with clock.frozen(_at(today - datetime.timedelta(days=1), 10)):
        s.mediation_record(w.yan, estate_id=w.yiwu.pk, kind="parking", summary="业主车位被长期占用，双方各执一词。",
                           mediator="网格员马丽", received_on=today - datetime.timedelta(days=1))
