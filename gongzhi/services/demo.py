"""Community life's slice of the demo: 太平洋花园's neighbourhood centre (its 9 spaces) with bookings,
three volunteer teams and 明福社区's own volunteer association, a year of activities (sign-ups,
attendance, volunteers' hours), an upcoming 健康义诊 in 义乌城小区, 6 partner units and departments paired
with 太平洋花园 (挂点结对) whose services are among the activities (五进小区), its 顾问组 of 5 and 智囊团 of
4 asked on a matter, a volunteer's completed order with its hours confirmed, and 3号楼's lift project
(电梯集资) in progress with the owners' consultation. Everything goes through the services, backdated
with the clock."""

import datetime

from django.contrib.auth import get_user_model

from gongzhi.bodies import services as bodies
from gongzhi.bodies.models import CoConstructionAgreement, Organisation, OrgKind
from gongzhi.core import clock
from gongzhi.meetings.choices import MatterStatus
from gongzhi.meetings.models import Matter
from gongzhi.requests.services import orders
from gongzhi.services import services as s
from gongzhi.services.choices import ActivityKind, Approver
from gongzhi.services.models import VolunteerHours
from gongzhi.services.services.activities import checkin_code
from gongzhi.votes.services import consultations as votes

# (name, m², capacity, opens, closes, needs approval, approver)
PACIFIC_SPACES = [
    ("红色议事厅", 80, 40, "08:00", "21:00", True, Approver.COMMITTEE),
    ("老党员调解室", 20, 8, "08:30", "17:30", False, Approver.COMMUNITY),
    ("心理咨询室", 15, 4, "09:00", "17:00", True, Approver.COMMUNITY),
    ("儿童活动室", 60, 30, "08:00", "20:00", False, Approver.PROPERTY),
    ("健身驿站", 90, 20, "06:00", "21:30", False, Approver.PROPERTY),
    ("阅读角", 40, 20, "08:00", "21:00", False, Approver.PROPERTY),
    ("四点半课堂", 50, 30, "14:00", "19:00", False, Approver.COMMUNITY),
    ("便民驿站", 30, 10, "08:00", "18:00", False, Approver.PROPERTY),
    ("多功能厅", 120, 80, "08:00", "21:00", True, Approver.COMMUNITY),
]
TEAMS = [("党员先锋队", "政策宣传、文明劝导、邻里调解"), ("环保志愿队", "垃圾分类、环境整治、绿化养护"),
         ("平安巡逻队", "安全巡逻、反诈宣传、消防检查")]
# 太平洋花园's 6 pairings (挂点结对): the unit, the services it brings (五进小区), the duties it takes on.
# Units the bodies slice has not set up are partner units: the health station inside the estate is the
# estate's (the first, without an agreement), the legal aid centre 明福社区's.
PAIRINGS = [
    ("太平洋花园社区卫生服务站", [ActivityKind.HEALTH], "每季度进小区义诊，为65岁以上老人建立健康档案"),
    ("文峰区法律援助中心", [ActivityKind.LEGAL, ActivityKind.LEGAL_AID, ActivityKind.MEDIATION],
     "法治宣传、法律咨询，参与物业纠纷调处"),
    ("公安文峰分局", [ActivityKind.ANTI_FRAUD, ActivityKind.PATROL, ActivityKind.SAFETY], "反诈宣传、平安创建、夜间联防"),
    ("区城管执法局", [ActivityKind.ENVIRONMENT], "垃圾分类指导、楼道环境整治"),
    ("区民政局", [ActivityKind.VOLUNTEERING], "为老服务、困难家庭帮扶"),
    ("国网文峰供电服务中心", [ActivityKind.REPAIRS, ActivityKind.VOLUNTEERING], "安全用电检查、便民维修"),
]
# Which pairing brings each kind of the year's activities.
PARTNERS = {ActivityKind.HEALTH: "太平洋花园社区卫生服务站", ActivityKind.LEGAL: "文峰区法律援助中心",
            ActivityKind.ANTI_FRAUD: "公安文峰分局", ActivityKind.PATROL: "公安文峰分局",
            ActivityKind.ENVIRONMENT: "区城管执法局", ActivityKind.VOLUNTEERING: "区民政局"}
# 太平洋花园's 顾问组 (username, profession) and 智囊团.
ADVISERS = [("lixiansheng", "律师"), ("louzhang1", "医生"), ("louzhang2", "中学教师"), ("louzhang4", "注册会计师"),
            ("louzhang5", "建筑工程师")]
THINK_TANK = ["chen", "weiyuan", "louzhang6", "louzhang7"]
# A year of activities: (kind, title, space), one a month, the newest last.
YEAR = [
    (ActivityKind.HEALTH, "健康义诊进小区", "多功能厅"), (ActivityKind.LEGAL, "法律咨询进小区", "红色议事厅"),
    (ActivityKind.ANTI_FRAUD, "反诈宣传讲座", "多功能厅"), (ActivityKind.ENVIRONMENT, "垃圾分类宣传", None),
    (ActivityKind.PATROL, "夜间安全巡逻", None), (ActivityKind.CHILDREN, "四点半课堂·手工课", "四点半课堂"),
    (ActivityKind.CULTURE, "邻里文艺汇演", "多功能厅"), (ActivityKind.PARTY, "主题党日活动", "红色议事厅"),
    (ActivityKind.VOLUNTEERING, "为老服务·上门理发", None), (ActivityKind.HEALTH, "中医养生讲座", "多功能厅"),
    (ActivityKind.ENVIRONMENT, "楼道环境整治", None), (ActivityKind.CULTURE, "重阳节敬老茶话会", "阅读角"),
]


def _at(day: datetime.date, hhmm: str) -> datetime.datetime:
    return clock.at(day, datetime.time.fromisoformat(hhmm))


def load(w) -> None:
    users = get_user_model().objects
    li = users.get(username="lixiansheng")
    pacific_people = [w.zhao_user, w.member_user, w.chen_user, li, *users.filter(username__startswith="louzhang")
                      .order_by("username")[:6]]
    today = clock.today()
    year_ago = today - datetime.timedelta(days=365)
    with clock.frozen(clock.at(year_ago, datetime.time(9))):
        spaces = {name: s.space_create(
            None, estate_id=w.pacific.pk, name=name, area_m2=area, capacity=capacity,
            opens=datetime.time.fromisoformat(opens), closes=datetime.time.fromisoformat(closes),
            needs_approval=approval, approver=approver, rules_text="爱护公物，用后整理；请按预约时段使用。")
            for name, area, capacity, opens, closes, approval, approver in PACIFIC_SPACES}
        teams = [s.volunteer_team_create(None, estate_id=w.pacific.pk, name=name, services=offered)
                 for name, offered in TEAMS]
        for i, user in enumerate(pacific_people[:6]):
            s.volunteer_join(None, team_id=teams[i % 3].pk, user_id=user.pk, skills="")
        association = s.volunteer_team_create(None, community_id=w.mingfu.pk, name="明福社区志愿者协会·邻里互助队",
                                              services="代买代办、陪诊、上门维修")
        for user in (users.get(username="wangayi"), users.get(username="zuhu")):
            s.volunteer_join(None, team_id=association.pk, user_id=user.pk, skills="")
        pairings = _pairings(w, year_ago)
    volunteers = pacific_people[:6]
    for month, (kind, title, space) in enumerate(YEAR):
        day = year_ago + datetime.timedelta(days=20 + 28 * month)
        day += datetime.timedelta(days=(2 - day.weekday()) % 7)  # a Wednesday
        if day >= today:
            break
        _held(w, kind, title, spaces.get(space), day, pacific_people, volunteers, month, pairings)
    _bookings_ahead(spaces, li, w.member_user, w.chen_user, today)
    _lift_project(w, today)
    _advisers(w, today)
    _order_hours(w, today)
    with clock.frozen(min(clock.at(today, datetime.time(8)), clock.now())):  # loaded before 8 am: now
        s.activity_create(w.yan, estate_id=w.yiwu.pk, title="健康义诊·量血压测血糖", kind=ActivityKind.HEALTH,
                          starts_at=_at(today + datetime.timedelta(days=3), "09:00"),
                          ends_at=_at(today + datetime.timedelta(days=3), "11:30"), capacity=30,
                          place="义乌城小区中心广场", description="社区卫生服务中心医生到小区义诊。")


def _pairings(w, since: datetime.date) -> dict:
    """The 6 pairings, by the unit's name; 国网's under the community's co-construction agreement."""
    found = {}
    for name, kinds, duties in PAIRINGS:
        partner = Organisation.objects.filter(name=name, kind__in=[OrgKind.PARTNER_UNIT, OrgKind.DEPARTMENT]).first()
        if partner is None:
            where = {"estate_id": w.pacific.pk} if name.startswith("太平洋花园") else {"community_id": w.mingfu.pk}
            partner = bodies.organisation_create(None, kind=OrgKind.PARTNER_UNIT, name=name, **where)
        agreement = CoConstructionAgreement.objects.filter(partner=partner).first()
        found[name] = s.pairing_create(w.yan, estate_id=w.pacific.pk, partner_id=partner.pk, starts_on=since,
                                       duties=duties, services=[str(k) for k in kinds],
                                       agreement_id=agreement.pk if agreement else None)
    return found


def _held(w, kind, title, space, day, people, volunteers, month, pairings) -> None:
    first = max(datetime.time(9), space.opens) if space else datetime.time(9)
    starts = clock.at(day, first if first == datetime.time(9) else datetime.time(16, 30))
    ends = starts + datetime.timedelta(hours=1, minutes=30)
    with clock.frozen(starts - datetime.timedelta(days=10)):
        pairing = pairings.get(PARTNERS.get(kind, ""))
        activity = s.activity_create(w.yan, estate_id=w.pacific.pk, title=title, kind=kind, starts_at=starts,
                                     ends_at=ends, capacity=min(space.capacity, 30) if space else 30,
                                     space_id=space.pk if space else None, place="" if space else "小区中心广场",
                                     pairing_id=pairing.pk if pairing else None)
        if activity.booking is not None and activity.booking.status == "pending":
            s.booking_decide(None, booking_id=activity.booking_id, approve=True)
        comers = people[month % 3: month % 3 + 6]
        for user in comers:
            s.activity_signup(user, activity_id=activity.pk)
    with clock.frozen(starts):
        came = comers[:-1]  # one stays away
        for user in came[:2]:
            s.activity_checkin(user, activity_id=activity.pk, code=checkin_code(activity))
        s.attendance_mark(w.yan, activity_id=activity.pk, user_ids=[u.pk for u in came[2:]])
    with clock.frozen(ends + datetime.timedelta(hours=1)):
        helpers = [u.pk for u in came if u in volunteers]
        if helpers:
            s.volunteer_hours_confirm(w.yan, activity_id=activity.pk, user_ids=helpers)
        s.activity_report(w.yan, activity_id=activity.pk, report=f"{title}顺利开展，{len(came)}人参加。")


def _bookings_ahead(spaces, li, member, chen, today) -> None:
    """Bookings of the coming days (none on a Saturday morning at 红色议事厅: a browser test books it)."""
    with clock.frozen(min(clock.at(today, datetime.time(7)), clock.now())):
        for offset, user, space, start, end, purpose in [
            (1, li, "阅读角", "19:00", "20:30", "读书会"), (2, chen, "老党员调解室", "09:00", "10:30", "邻里调解"),
            (3, member, "健身驿站", "18:00", "19:30", "太极拳练习"), (4, li, "儿童活动室", "15:00", "17:00", "孩子生日会"),
        ]:
            day = today + datetime.timedelta(days=offset)
            s.booking_create(user, space_id=spaces[space].pk, starts_at=_at(day, start), ends_at=_at(day, end),
                             purpose=purpose)
        evening = today + datetime.timedelta(days=2)
        s.booking_create(member, space_id=spaces["红色议事厅"].pk, starts_at=_at(evening, "19:00"),
                         ends_at=_at(evening, "21:00"), purpose="业委会例会")


def _lift_project(w, today) -> None:
    """3号楼's lift (电梯集资) in progress: opened two months ago, shares by floor, 陈's pledge paid into the
    journal, 委员's labour, the design done and the owners asked."""
    from gongzhi.places.models import Building, Unit

    building = Building.objects.get(estate=w.pacific, code="3")
    opened = clock.at(today - datetime.timedelta(days=60), datetime.time(10))
    with clock.frozen(opened):
        project = s.project_open(w.yan, estate_id=w.pacific.pk, title="3号楼加装电梯", kind="lift",
                                 budget="600000", building_id=building.pk,
                                 needs="3号楼老人多，上下楼难，多数业主提出加装电梯。")
    chen_unit = Unit.objects.get(estate=w.pacific, code="3-1-201")
    share = project.shares.get(unit=chen_unit).amount
    with clock.frozen(opened + datetime.timedelta(days=7)):
        pledge = s.pledge_create(w.chen_user, project_id=project.pk, kind="money", unit_id=chen_unit.pk,
                                 amount=f"{share / 100:.2f}")
        s.pledge_create(w.member_user, project_id=project.pk, kind="labour", person_days="3", skill="搬运、协调")
        s.milestone_record(w.yan, project_id=project.pk, title="完成设计方案并征求业主意见", progress=20)
        s.project_consult(w.yan, project_id=project.pk, body="3号楼加装电梯设计方案及按楼层分摊方案，请各户提出意见。",
                          closes_on=clock.today() + datetime.timedelta(days=7))
        project.refresh_from_db()
        consultation = project.consultation
        votes.answer_submit(w.chen_user, consultation_id=consultation.pk, unit_id=chen_unit.pk, opinion="agree")
    with clock.frozen(opened + datetime.timedelta(days=15)):
        votes.consultation_close(w.yan, consultation_id=consultation.pk)
    with clock.frozen(opened + datetime.timedelta(days=20)):
        s.pledge_payment_record(w.yan, pledge_id=pledge.pk, amount=f"{share / 100:.2f}",
                                date=clock.today())
        s.milestone_record(w.yan, project_id=project.pk, title="规划审批通过，签订施工合同", progress=35)


def _advisers(w, today) -> None:
    """太平洋花园's 顾问组 (5 professionals) and 智囊团 (4 residents); the chair asks them about the parking
    matter's current step (the property contract's fees), and two have written opinions."""
    users = get_user_model().objects
    with clock.frozen(clock.at(today - datetime.timedelta(days=200), datetime.time(10))):
        for username, profession in ADVISERS:
            s.adviser_add(w.zhao_user, estate_id=w.pacific.pk, user_id=users.get(username=username).pk,
                          panel="advisers", profession=profession)
        for username in THINK_TANK:
            s.adviser_add(w.zhao_user, estate_id=w.pacific.pk, user_id=users.get(username=username).pk,
                          panel="think_tank")
    running = Matter.objects.filter(estate=w.pacific, status=MatterStatus.IN_PROGRESS)
    matter = running.filter(title__contains="停车").first() or running.order_by("pk").first()
    if matter is None:
        return
    with clock.frozen(clock.now() - datetime.timedelta(hours=3)):
        asked = s.advice_ask(w.zhao_user, matter_id=matter.pk,
                             question="地面停车收费标准拟按每月 150 元执行，请各位顾问从法律、财务和居民承受能力角度提出意见。")
    with clock.frozen(clock.now() - datetime.timedelta(hours=1)):
        s.advice_give(users.get(username="lixiansheng"), advice_request_id=asked.pk,
                      text="收费须经业主大会表决并公示收支；建议合同中写明收益归全体业主。")
        s.advice_give(users.get(username="louzhang4"), advice_request_id=asked.pk,
                      text="按 150 元测算年收益约 18 万元，建议单独记账、按季度公开。")


def _order_hours(w, today) -> None:
    """A volunteer's order: 刘晓东 (义乌城's registered volunteer, in the community's association; not a party
    member, so the order earns no points) accepts and completes a neighbour's order; the completion claims
    his hours and 燕书记, who dispatched it, confirms them."""
    users = get_user_model().objects
    helper = users.get(username="zuhu")
    day = today - datetime.timedelta(days=40)
    with clock.frozen(clock.at(day, datetime.time(9))):
        order = orders.order_place(users.get(username="dangyuan"), estate_id=w.yiwu.pk, kind="service",
                                   title="帮独居老人更换门锁")
        orders.order_dispatch(w.yan, order_id=order.pk, helper_ids=[helper.pk])
    with clock.frozen(clock.at(day, datetime.time(10))):
        orders.order_accept(helper, order_id=order.pk)
    with clock.frozen(clock.at(day, datetime.time(11, 30))):
        orders.order_complete(helper, order_id=order.pk, note="已更换，并教会老人使用")
    claimed = VolunteerHours.objects.filter(order=order, user=helper).first()  # claimed by the completion hook
    if claimed is not None:
        with clock.frozen(clock.at(day + datetime.timedelta(days=1), datetime.time(9))):
            s.order_hours_confirm(w.yan, hours_id=claimed.pk)
