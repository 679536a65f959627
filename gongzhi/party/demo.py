"""Party work's slice of the demo: 明福社区's points rules and a year of points for its members — the
三单制 orders 陈 (太平洋花园, building 3) and 何 (义乌城) took and completed month by month, each
earning its points through the order's completion (no typed totals), and one award and one deduction
by the community with their reasons; 义乌城's in-service members registered where they live (双报到),
a few still waiting for the community; 太平洋花园's four-level chain down to 陈's 党员中心户; its 亮身份
boards (building 3 and the estate, published through the notices log) and its posts (设岗定责); 郑永红's
two no-property estates (包保) with his team and field visits."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from gongzhi.bodies import services as bodies
from gongzhi.bodies.models import Organisation, OrgKind
from gongzhi.core import clock
from gongzhi.core.models import Notification
from gongzhi.party import services as party
from gongzhi.party.choices import BoardContact, PointsKind
from gongzhi.people import services as people
from gongzhi.people.choices import MemberStatus, PersonKind
from gongzhi.people.demo import owner_of
from gongzhi.people.models import Person
from gongzhi.places.models import Unit
from gongzhi.requests.services import orders

MONTHS = 12
# (estate attribute on w, who orders, who dispatches, who takes it, what is asked)
HELPERS = [
    ("pacific", "lixiansheng", "zhaozhuren", "chen", ["帮独居老人取药", "楼道杂物清理", "陪同老人理发", "代缴水电费"]),
    ("yiwu", "wangayi", "wanggeyuan", "dangyuan", ["帮忙疏通下水道", "代买降压药", "帮忙搬运米面"]),
]


def load(w) -> None:
    load_registrations(w)
    load_chain(w)
    load_posts(w, load_boards(w))
    load_cadres(w)
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in={name for row in HELPERS for name in row[1:4]})}
    party.points_rule_set(None, community_id=w.mingfu.pk, kind=PointsKind.ORDER, points=5, monthly_cap=20)
    party.points_rule_set(None, community_id=w.mingfu.pk, kind=PointsKind.MICRO_WISH, points=8, monthly_cap=24)
    now = clock.now().replace(hour=10, minute=0, second=0, microsecond=0)
    links = []
    for back in range(MONTHS, 0, -1):
        day = now - datetime.timedelta(days=30 * back)
        for estate_attr, requester, dispatcher, helper, titles in HELPERS:
            title = titles[back % len(titles)]
            with clock.frozen(day):
                order = orders.order_place(users[requester], estate_id=getattr(w, estate_attr).pk, kind="service",
                                           title=title)
                orders.order_dispatch(users[dispatcher], order_id=order.pk, helper_ids=[users[helper].pk])
            with clock.frozen(day + datetime.timedelta(hours=2)):
                orders.order_accept(users[helper], order_id=order.pk)
            with clock.frozen(day + datetime.timedelta(days=1)):
                orders.order_complete(users[helper], order_id=order.pk, note="已办好，老人很满意")
            links.append(f"/orders/{order.pk}/")
    he = Person.objects.get(user=users["dangyuan"])
    with clock.frozen(now - datetime.timedelta(days=40)):
        party.points_adjust(None, person_id=he.pk, points=10, reason="参与防汛值守三个夜班")
    with clock.frozen(now - datetime.timedelta(days=20)):
        party.points_adjust(None, person_id=he.pk, points=-3, reason="认领的政策宣传任务未按期完成")
    # The year replayed above notified the requesters and dispatchers as it went: old news now.
    transaction.on_commit(lambda: Notification.objects.filter(link__in=links).update(read_at=clock.now()))


# 义乌城's in-service members registering where they live (双报到): four confirmed, two still pending.
YIWU_MEMBERS = [("2-1-301", "安阳市税务局"), ("4-2-702", "文峰区人民医院"), ("6-1-1001", "安阳市第一中学"),
                ("10-1-402", "国网文峰供电服务中心"), ("11-2-601", "文峰区市场监督管理局"), ("14-1-203", "安阳市自来水公司")]
CONFIRMED = 4


def load_registrations(w) -> None:
    for i, (code, unit) in enumerate(YIWU_MEMBERS):
        person = owner_of(w.yiwu, code)
        if person.kind != PersonKind.NATURAL:  # a flat the developer still holds
            continue
        people.party_member_register(None, person_id=person.pk, status=MemberStatus.IN_SERVICE, work_unit=unit)
        registration = party.registration_submit(None, person_id=person.pk, estate_id=w.yiwu.pk, work_unit=unit)
        if i < CONFIRMED:
            party.registration_decide(None, registration_id=registration.pk, confirm=True)


# 太平洋花园's four-level chain: 明福社区党总支 → 小区党支部 → a 楼栋党小组 in each of its 11 buildings →
# 陈's household (3-1-201) as 党员中心户 looking after five neighbours, with his visits.
CHEN_NEIGHBOURS = ["3-1-101", "3-1-102", "3-1-202", "3-1-301", "3-1-302"]


def load_chain(w) -> None:
    branch = Organisation.objects.get(name="太平洋花园小区党支部")
    for building in w.pacific.buildings.order_by("pk"):
        group = bodies.organisation_create(None, kind=OrgKind.BUILDING_GROUP, name=f"太平洋花园{building.code}号楼党小组",
                                           estate_id=w.pacific.pk, parent_id=branch.pk)
        party.group_building_set(None, organisation_id=group.pk, building_id=building.pk)
    chen = Person.objects.get(user__username="chen")
    units = dict(Unit.objects.filter(estate=w.pacific, code__in=["3-1-201", *CHEN_NEIGHBOURS]).values_list("code", "pk"))
    central = party.central_household_designate(None, estate_id=w.pacific.pk, person_id=chen.pk,
                                                unit_id=units["3-1-201"],
                                                covered_unit_ids=[units[c] for c in CHEN_NEIGHBOURS])
    today = clock.today()
    for days_ago, code, note in ((45, "3-1-101", "独居老人，血压平稳，帮忙预约了体检"),
                                 (12, "3-1-302", "反映楼道灯不亮，已报物业")):
        party.household_visit_record(None, central_id=central.pk, unit_id=units[code],
                                     on=today - datetime.timedelta(days=days_ago), note=note)


# 太平洋花园's 亮身份 boards: 陈 (building 3's head, 中心户) shows his mobile masked, two neighbours of his
# building join the party's roll (one on the board without a contact, one not on it: the default), 赵
# (the branch secretary) shows his office phone; 赵 publishes building 3's board and the estate's.
def load_boards(w) -> list[Person]:
    chen = Person.objects.get(user__username="chen")
    taken = {"3-1-201", *CHEN_NEIGHBOURS}
    neighbours = [u.ownerships.get(until__isnull=True).person for u in
                  Unit.objects.filter(estate=w.pacific, building__code="3", ownerships__until__isnull=True,
                                      ownerships__person__kind=PersonKind.NATURAL,
                                      ownerships__person__party_member__isnull=True)
                  .exclude(code__in=taken).order_by("code")[:2]]
    for person in neighbours:
        people.party_member_register(None, person_id=person.pk, status=MemberStatus.RETIRED,
                                     community_id=w.mingfu.pk, registered_on=datetime.date(2024, 7, 1))
    party.board_listing_set(None, person_id=chen.pk, on_board=True, contact=BoardContact.MASKED)
    party.board_listing_set(None, person_id=neighbours[0].pk, on_board=True, contact=BoardContact.NONE)
    party.board_listing_set(None, person_id=w.zhao_user.person.pk, on_board=True, contact=BoardContact.OFFICE,
                            office_phone="0372-5926001")
    building3 = w.pacific.buildings.get(code="3")
    party.board_publish(w.zhao_user, estate_id=w.pacific.pk, building_id=building3.pk)
    party.board_publish(w.zhao_user, estate_id=w.pacific.pk)
    return neighbours


# 设岗定责 in 太平洋花园: 陈 holds building 3's 楼栋长 post (confirmed, two duties done, each earning its
# points), his neighbour's claim of the 政策宣传岗 waits for the community, two posts are still free.
POSTS = [("building_head", "3", "", "组织楼栋议事、收集楼内诉求、协助物业巡查"),
         ("policy", None, "", "宣传惠民政策和物业管理条例，每月入户一次"),
         ("environment", None, "", "监督公共区域卫生和垃圾分类"),
         ("mediation", None, "邻里调解员", "调解邻里纠纷，疑难的报社区")]


def load_posts(w, neighbours) -> None:
    yan = w.yan
    buildings = {b.code: b for b in w.pacific.buildings.all()}
    posts = [party.post_create(yan, estate_id=w.pacific.pk, kind=kind, title=title, duties=duties,
                               building_id=buildings[code].pk if code else None)
             for kind, code, title, duties in POSTS]
    chen = Person.objects.get(user__username="chen")
    held = party.post_claim(None, post_id=posts[0].pk, person_id=chen.pk)
    party.post_claim_decide(yan, claim_id=held.pk, confirm=True)
    today = clock.today()
    for days_ago, note in ((21, "组织3号楼议事会，商定楼道杂物清理时间"), (6, "陪同物业检查楼顶防水")):
        party.post_duty_record(None, claim_id=held.pk, on=today - datetime.timedelta(days=days_ago), note=note)
    party.post_claim(None, post_id=posts[1].pk, person_id=neighbours[0].pk)


# 包保: 郑永红 answers for 安和苑's two no-property estates (育才新村, 老纺织厂家属院), assigned by the
# subdistrict (吴), with his team; his field visits, one finding already a request.
TEAM = [("王建设", "bureau_chief", "区住建局副局长"), ("冯警官", "police", "文峰分局社区民警"),
        ("马丽", "grid_head", "")]


def load_cadres(w) -> None:
    zheng = get_user_model().objects.get(username="zhengbaobao")
    start = clock.today() - datetime.timedelta(days=120)
    assignments = [party.cadre_assign(w.wu, user_id=zheng.pk, estate_id=estate.pk, start=start)[0]
                   for estate in (w.yucai, w.fangzhi)]
    for name, role, _title in TEAM:
        person = Person.objects.filter(name=name).first() or people.person_create(None, name=name)
        party.cadre_team_add(w.wu, assignment_id=assignments[0].pk, person_id=person.pk, role=role)
    head = Unit.objects.filter(estate=w.yucai, ownerships__until__isnull=True,
                               ownerships__person__kind=PersonKind.NATURAL).order_by("code").first()
    party.cadre_team_add(w.wu, assignment_id=assignments[0].pk,
                         person_id=head.ownerships.get(until__isnull=True).person_id, role="unit_head")
    today = clock.today()
    party.field_visit_record(zheng, assignment_id=assignments[0].pk, on=today - datetime.timedelta(days=35),
                             findings="3号楼化粪池满溢，居民反映异味")
    party.field_visit_record(zheng, assignment_id=assignments[0].pk, on=today,
                             findings="楼道堆放杂物，存在消防隐患，已现场劝导")
    raised = party.field_visit_record(zheng, assignment_id=assignments[1].pk, on=today,
                                      findings="院内路灯两盏不亮，夜间出行不便")
    party.field_visit_raise(zheng, visit_id=raised.pk, category="lighting")
