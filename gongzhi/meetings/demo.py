"""Meetings' slice of the demo: A year of meetings and matters: monthly dispatch meetings, a completed 四议两公开 matter, a
    四步法 playground renovation, a lift-replacement hearing half delivered, matters in progress."""

import datetime
from decimal import Decimal

from gongzhi.bodies.models import Membership, Organisation, OrgKind
from gongzhi.core import clock
from gongzhi.meetings import services as m
from gongzhi.meetings.models import ActionItem, Matter, MatterStep, Meeting
from gongzhi.people import services as people
from gongzhi.people.models import Person
from gongzhi.votes import services as votes
from gongzhi.votes.models import RollEntry


def load(w) -> None:
    """`w` is the demo world (gongzhi.demo): the places and personas loaded before this slice."""
    _load(w.zhao_user, w.member_user, w.yan, w.pacific_manager, w.pacific, w.mingfu)
    _subdistrict(w)


def _subdistrict(w) -> None:
    """A subdistrict 专项推进会 held last week with three departments, each signed in by its own officer, on
    a matter concerning three estates; its action items assigned to the departments, and the follow-up
    handed to 区住建局 (overdue: on 刘建军's home page)."""
    now = clock.now().replace(microsecond=0)
    wu = w.wu
    names = ("公安文峰分局", "区民政局", "区城管执法局")
    units = [w.departments[n] for n in names]
    matter = m.matter_create(wu, subdistrict_id=w.sub.pk, title="无物管小区飞线充电整治", procedure="coordination",
                             source="request", estate_ids=[w.yucai.pk, w.fangzhi.pk, w.yiwu.pk],
                             description="居民反映楼道飞线充电，存在火灾隐患；需住建、公安、城管联合整治并建设充电桩。")
    m.matter_step(wu, matter_id=matter.pk, step_key="propose", note="街道汇总三个小区的诉求，提请专项推进会")
    when = now - datetime.timedelta(days=7)
    held = m.meeting_plan(wu, subdistrict_id=w.sub.pk, kind="special_push", title="飞线充电整治专项推进会",
                          scheduled_at=when, place="光华路街道办事处三楼会议室", agenda_ids=[matter.pk],
                          unit_ids=[u.pk for u in units])
    m.meeting_open(wu, meeting_id=held.pk)
    m.meeting_sign_in(wu, meeting_id=held.pk, party="subdistrict")
    for unit in units:
        officer = Membership.objects.filter(organisation=unit, active=True).select_related("person__user").first()
        m.meeting_sign_in(officer.person.user, meeting_id=held.pk, party="department")
    m.decision_record(wu, meeting_id=held.pk, matter_id=matter.pk, votes_for=4,
                      text="公安分局开展消防安全检查，民政局排查独居老人的充电需求，城管执法局清理飞线；"
                           "提请住建局负责充电桩选址与建设。")
    m.meeting_close(wu, meeting_id=held.pk, minutes="三个成员单位到会，分工如决定。")
    Meeting.objects.filter(pk=held.pk).update(opened_at=when, closed_at=when + datetime.timedelta(hours=2))
    m.matter_step(wu, matter_id=matter.pk, step_key="meeting", meeting_id=held.pk)
    today = clock.today()
    for unit, text, days in ((units[0], "对三个小区开展楼道消防安全检查", 10),
                             (units[1], "排查独居老人电动车充电需求", 12),
                             (units[2], "清理楼道飞线并张贴告知书", 14)):
        m.action_add(wu, matter_id=matter.pk, meeting_id=held.pk, text=text, organisation_id=unit.pk,
                     due_on=today + datetime.timedelta(days=days))
    housing = w.departments["区住建局"]
    late = m.action_add(wu, matter_id=matter.pk, text="完成三个小区充电桩选址方案", organisation_id=housing.pk,
                        due_on=today)
    ActionItem.objects.filter(pk=late.pk).update(due_on=today - datetime.timedelta(days=2))  # two days late


def _load(chair, member, secretary, manager, pacific, mingfu) -> None:
    """A year of meetings and matters: monthly dispatch meetings, a completed 四议两公开 matter, a
    四步法 playground renovation, a lift-replacement hearing half delivered, matters in progress."""

    now = clock.now().replace(microsecond=0)
    manager_person = people.person_create(None, name="王建伟", community_id=mingfu.pk)
    people.person_link_user(None, person_id=manager_person.pk, user_id=manager.pk)
    secretary_person = Person.objects.get(user=secretary)
    chair_person = Person.objects.get(user=chair)

    def members(kind):
        return [x.person_id for x in Membership.objects.filter(organisation__estate=pacific,
                                                               organisation__kind=kind, active=True)]

    def meeting(kind, title, when, matters=(), attendees=(), decisions=(), convener=secretary, where=None):
        held = m.meeting_plan(convener, **(where or {"estate_id": pacific.pk}), kind=kind, title=title,
                              scheduled_at=when, place="红领工作站", agenda_ids=[x.pk for x in matters], repeat="")
        m.meeting_open(convener, meeting_id=held.pk)
        for who, party in attendees:
            if isinstance(who, int):  # the convener records a person present (open parties, or seat holders)
                m.meeting_sign_in(convener, meeting_id=held.pk, party=party, person_id=who)
            else:  # a seat holder confirms the seat in person
                m.meeting_sign_in(who, meeting_id=held.pk, party=party)
        for matter, text, votes_for in decisions:
            m.decision_record(convener, meeting_id=held.pk, matter_id=matter.pk, text=text, votes_for=votes_for)
        m.meeting_close(convener, meeting_id=held.pk, minutes="会议按议程进行，形成决定如上。")
        Meeting.objects.filter(pk=held.pk).update(opened_at=when, closed_at=when + datetime.timedelta(hours=2))
        return held

    # At a joint meeting each required seat is confirmed by its holder; the community's dispatch meeting
    # (held by the community, not by one estate) records those present: the estates' people as members.
    joint_parties = [(secretary, "community"), (chair, "autonomous"), (manager, "property")]
    dispatch_parties = [(secretary_person.pk, "community"), (chair_person.pk, "member"),
                        (manager_person.pk, "member")]
    for months in range(12, 0, -1):
        meeting("monthly_dispatch", f"明福社区{(now - datetime.timedelta(days=30 * months)).month}月调度会",
                now - datetime.timedelta(days=30 * months), attendees=dispatch_parties,
                where={"community_id": mingfu.pk})
    # the standing one: when it comes due, the periodic job plans the next month's
    upcoming = clock.at(clock.today() + datetime.timedelta(days=5), datetime.time(9, 0))
    m.meeting_plan(secretary, community_id=mingfu.pk, kind="monthly_dispatch",
                   title=f"明福社区{clock.local(upcoming).month}月调度会", scheduled_at=upcoming, place="红领工作站")

    def owners_vote(title, item, start):
        with clock.frozen(start):
            vote = votes.vote_create(chair, estate_id=pacific.pk, title=title, item=item,
                                     opens_at=start + datetime.timedelta(days=15),
                                     closes_at=start + datetime.timedelta(days=25))
            votes.vote_announce(chair, vote_id=vote.pk)
        owners = {}
        for entry in RollEntry.objects.filter(vote=vote).prefetch_related("persons").order_by("unit__code"):
            owners.setdefault(entry.owner_key, entry)
        with clock.frozen(start + datetime.timedelta(days=16)):
            for i, entry in enumerate(list(owners.values())[: len(owners) * 9 // 10]):
                ballot = votes.ballot_enter(chair, vote_id=vote.pk, unit_id=entry.unit_id,
                                            voter_id=entry.persons.first().pk, choice="no" if i % 9 == 0 else "yes")
                votes.ballot_check(member, ballot_id=ballot.pk, choice=ballot.choice)
        with clock.frozen(start + datetime.timedelta(days=25)):
            return votes.vote_close(chair, vote_id=vote.pk)

    def backdate(matter, start):
        Matter.objects.filter(pk=matter.pk).update(created_at=start)
        for i, step in enumerate(MatterStep.objects.filter(matter=matter).order_by("id")):
            MatterStep.objects.filter(pk=step.pk).update(at=start + datetime.timedelta(days=7 * (i + 1)))

    # 小区版四议两公开, completed: a 三重一大 matter (spending above the line)
    start = now - datetime.timedelta(days=200)
    cameras = m.matter_create(chair, estate_id=pacific.pk, title="更换小区监控系统", procedure="four_discussions",
                              amount=Decimal("86000"), description="40 个老旧摄像头整体更换，接入社区平安系统。")
    m.matter_step(chair, matter_id=cameras.pk, step_key="propose", note="小区党支部提议")
    joint = meeting("joint_1_3_n", "1+3+N 物业联席协商会议（监控系统）", start + datetime.timedelta(days=7), [cameras],
                    joint_parties, [(cameras, "同意更换方案，提交党员大会审议", 3)])
    m.matter_step(secretary, matter_id=cameras.pk, step_key="joint", meeting_id=joint.pk)
    branch = members(OrgKind.ESTATE_BRANCH)
    party = meeting("party_members", "小区党员大会", start + datetime.timedelta(days=14), [cameras],
                    [(p, "member") for p in branch], [(cameras, "审议通过", len(branch))], convener=chair)
    m.matter_step(chair, matter_id=cameras.pk, step_key="members", meeting_id=party.pk)
    vote = owners_vote("更换小区监控系统（使用公共收益）", 9, start + datetime.timedelta(days=15))
    m.matter_step(chair, matter_id=cameras.pk, step_key="resolve", vote_id=vote.pk)
    m.matter_step(secretary, matter_id=cameras.pk, step_key="publish_resolution")
    m.matter_step(chair, matter_id=cameras.pk, step_key="publish_result", note="40 个摄像头已更换并验收，费用 83,600 元。")
    backdate(cameras, start)

    # 支部先议四步法: the playground renovation, completed
    start = now - datetime.timedelta(days=120)
    playground = m.matter_create(member, estate_id=pacific.pk, title="儿童游乐场改造", procedure="branch_first",
                                 amount=Decimal("28000"), source="proposal")
    m.matter_step(member, matter_id=playground.pk, step_key="propose", note="业主反映滑梯破损")
    review = meeting("branch", "支部委员会会议（游乐场）", start + datetime.timedelta(days=5), [playground],
                     [(p, "estate_branch") for p in branch], [(playground, "同意提交业委会", len(branch))], convener=chair)
    m.matter_step(chair, matter_id=playground.pk, step_key="branch_review", meeting_id=review.pk)
    committee = members(OrgKind.OWNERS_COMMITTEE)
    resolve = meeting("owners_committee", "业委会会议（游乐场）", start + datetime.timedelta(days=12), [playground],
                      [(p, "member") for p in committee[:6]], [(playground, "同意改造，由物业实施", 6)], convener=chair)
    m.matter_step(member, matter_id=playground.pk, step_key="committee_resolve", meeting_id=resolve.pk)
    m.matter_step(manager, matter_id=playground.pk, step_key="execute", note="已更换滑梯、铺设塑胶地面")
    m.matter_step(chair, matter_id=playground.pk, step_key="publish_result")
    backdate(playground, start)

    # 民主听证: nine old lifts, 4 replaced and 5 in progress
    start = now - datetime.timedelta(days=90)
    lifts = m.matter_create(chair, estate_id=pacific.pk, title="更换 9 部老旧电梯", procedure="hearing",
                            amount=Decimal("2700000"), source="project", description="使用维修资金更换 2005 年安装的电梯。")
    m.matter_step(chair, matter_id=lifts.pk, step_key="form_group", note="业主代表 5 人、业委会 2 人、物业 1 人、技术专家 2 人")
    for supplier, amount in (("某电梯工程有限公司", "2650000"), ("某机电设备有限公司", "2710000"),
                             ("某电梯安装维修有限公司", "2590000")):
        m.bid_add(chair, matter_id=lifts.pk, supplier=supplier, amount=Decimal(amount))
    m.matter_step(chair, matter_id=lifts.pk, step_key="bids")
    expert = people.person_create(None, name="特种设备专家 刘工", community_id=mingfu.pk)
    hearing = meeting("hearing", "电梯更换民主听证会", start + datetime.timedelta(days=10), [lifts],
                      joint_parties[1:] + [(expert.pk, "expert"), (committee[1], "owner_rep")],
                      [(lifts, "推荐报价最低且资质齐全的供应商，提交业主表决", 4)], convener=chair)
    m.matter_step(chair, matter_id=lifts.pk, step_key="hearing", meeting_id=hearing.pk)
    vote = owners_vote("选定电梯更换供应商并使用维修资金", 5, start + datetime.timedelta(days=11))
    m.matter_step(chair, matter_id=lifts.pk, step_key="owners_choose", vote_id=vote.pk)
    m.bid_choose(chair, bid_id=lifts.bids.get(supplier="某电梯安装维修有限公司").pk)
    m.matter_step(chair, matter_id=lifts.pk, step_key="publish_award", note="某电梯安装维修有限公司中标，合同金额 2,590,000 元。")
    for n in range(1, 10):
        m.delivery_set(chair, matter_id=lifts.pk, label=f"{n}号楼电梯", status="done" if n <= 4 else "in_progress")
    backdate(lifts, start)
    m.action_add(chair, matter_id=lifts.pk, text="物业每周报告 5-9 号楼电梯施工进度", owner_id=manager.pk,
                 due_on=clock.today() + datetime.timedelta(days=14))

    # In progress: a proposal waiting for its joint meeting, with an overdue action item
    parking = m.matter_create(chair, estate_id=pacific.pk, title="规范地面停车收费", procedure="four_discussions",
                              source="request", description="居民诉求：外来车辆占用车位。")
    m.matter_step(chair, matter_id=parking.pk, step_key="propose", note="根据居民诉求提议")
    company = Organisation.objects.get(estate=pacific, kind=OrgKind.PROPERTY_COMPANY)
    item = m.action_add(chair, matter_id=parking.pk, text="物业统计外来车辆停放情况", organisation_id=company.pk,
                        due_on=clock.today())
    type(item).objects.filter(pk=item.pk).update(due_on=clock.today() - datetime.timedelta(days=3))

    # This month: the joint meeting the parking matter waits for, called for the day after tomorrow.
    m.meeting_plan(secretary, estate_id=pacific.pk, kind="joint_1_3_n", title="1+3+N 物业联席协商会议（地面停车收费）",
                   scheduled_at=clock.at(clock.today() + datetime.timedelta(days=2), datetime.time(14, 30)),
                   place="红领工作站", agenda_ids=[parking.pk])
