"""Demo data built from the seeds: 光华路街道 (文峰区, 安阳) with its 8 communities, 义乌城小区
(17 buildings, ~3,000 households, a 物管会), an estate modelled on 太平洋花园 (11 buildings, 306
households, committee of 7 with 5 party members, chair = branch secretary, 11 building heads),
micro estates with yard committees, no-property estates served by a community service company,
departments, and a cadre responsible for two estates.

Everything goes through the service functions (actor None = the system), so the demo leaves the
same audit trail a real set-up would. Loading twice changes nothing.
"""

import datetime
import functools
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from gongzhi import synthetic
from gongzhi.bodies import services as bodies
from gongzhi.bodies.models import MemberRole, Organisation, OrgKind, Responsibility
from gongzhi.core import clock
from gongzhi.core import services as core
from gongzhi.core.roles import Role
from gongzhi.people import services as people
from gongzhi.people.models import MemberStatus, Person, Relation
from gongzhi.places import ledger
from gongzhi.places import services as places
from gongzhi.places.models import Estate, Subdistrict, Unit

DEMO_PASSWORD = "gongzhi-demo"
DISTRICT = "文峰区"
SUBDISTRICT = "光华路街道"
COMMUNITIES = ["明福社区", "安和苑社区", "光华社区", "文昌社区", "东关社区", "西关社区", "南关社区", "北关社区"]
TERM_START = datetime.date(2024, 5, 1)
TERM_END = datetime.date(2029, 4, 30)


# The logins printed by `gongzhi demo` and listed in the README, one per role.
PERSONA_USERNAMES = [
    "wangayi", "lixiansheng", "zuhu", "dangyuan", "chen", "wanggeyuan", "weiyuan", "zhaozhuren", "zhangjingli",
    "wangjingli", "shequ", "yanshuji", "lijing", "sunjiancha", "wuganbu", "liukezhang", "zhengbaobao", "zhoushenji", "guanliyuan",
]


def _units(estate: str, buildings: int, entrances: int, floors: int, per_floor: int, limit: int | None = None):
    count = 0
    for b in range(1, buildings + 1):
        for e in range(1, entrances + 1):
            for f in range(1, floors + 1):
                for n in range(1, per_floor + 1):
                    if limit is not None and count >= limit:
                        return
                    count += 1
                    yield str(b), str(e), f"{b}-{e}-{f}{n:02d}"


def _ledger_rows(rng, community: str, estate: str, layout: dict, developer_every: int = 0, area=(60, 140),
                 personas: dict | None = None):
    """A ledger as a community keeps it; `personas` puts the demo's named people in their flats."""
    table = [["社区", "小区", "楼栋", "单元", "房号", "建筑面积", "房屋类型", "业主姓名", "联系电话", "身份证号"]]
    personas = personas or {}
    for i, (b, e, code) in enumerate(_units(estate, **layout)):
        square = f"{rng.uniform(*area):.2f}"
        if code in personas:
            table.append([community, estate, b, e, code, square, "住宅", *personas[code]])
        elif developer_every and i % developer_every == developer_every - 1:
            table.append([community, estate, b, e, code, square, "住宅", "建设单位", "", ""])
        else:
            table.append([community, estate, b, e, code, square, "住宅", synthetic.person_name(rng),
                          synthetic.phone(rng), synthetic.id_number(rng)])
    return table


def _personas(rng, names: dict[str, str]) -> dict[str, list[str]]:
    return {code: [name, synthetic.phone(rng), synthetic.id_number(rng)] for code, name in names.items()}


def _import(table):
    rows = ledger.parse_rows(table)
    return ledger.ledger_import(None, rows=rows)


@functools.cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)  # hashing is slow on purpose: do it once for all logins


def _login(username: str, name: str, *, staff: bool = False):
    return get_user_model().objects.create(
        username=username, password=_demo_password_hash(), first_name=name, is_staff=staff
    )


def _grant(user, role: str, anchor) -> None:
    field = type(anchor)._meta.model_name
    # From the start of the term, so that the months of history the demo replays had these roles too.
    people.role_assign(None, user_id=user.pk, role=role, anchor_field=field, anchor_id=anchor.pk,
                       valid_from=TERM_START)


def _owner_of(estate: Estate, code: str) -> Person:
    unit = Unit.objects.get(estate=estate, code=code)
    return unit.ownerships.get(until__isnull=True).person


def _persona(estate: Estate, code: str, username: str) -> tuple[Person, object]:
    person = _owner_of(estate, code)
    user = _login(username, person.name)
    people.person_link_user(None, person_id=person.pk, user_id=user.pk)
    return person, user


def already_loaded() -> bool:
    return Subdistrict.objects.filter(name=SUBDISTRICT, district__name=DISTRICT).exists()


@transaction.atomic
def load() -> None:
    rng = random.Random(20240501)
    district = places.place_create(None, kind="district", name=DISTRICT)
    sub = places.place_create(None, kind="subdistrict", name=SUBDISTRICT, parent_id=district.pk, code="guanghualu")
    comm = {n: places.place_create(None, kind="community", name=n, parent_id=sub.pk) for n in COMMUNITIES}
    mingfu, anhe = comm["明福社区"], comm["安和苑社区"]
    grid1 = places.place_create(None, kind="grid", name="第一网格", parent_id=mingfu.pk)
    grid2 = places.place_create(None, kind="grid", name="第二网格", parent_id=mingfu.pk)

    # --- estates from ledgers ------------------------------------------------------------------
    _import(_ledger_rows(rng, "明福社区", "义乌城小区",
                         dict(buildings=17, entrances=2, floors=18, per_floor=5, limit=3000), developer_every=75,
                         personas=_personas(rng, {"5-1-302": "王秀兰", "9-1-805": "何敏"})))
    li = ["李建国", synthetic.phone(rng), synthetic.id_number(rng)]
    _import(_ledger_rows(rng, "明福社区", "太平洋花园",
                         dict(buildings=11, entrances=1, floors=7, per_floor=4, limit=306),
                         personas={"2-1-301": li, "6-1-502": li,  # one owner, two flats
                                   **_personas(rng, {"1-1-101": "赵丽华", "4-1-104": "黄志强", "3-1-201": "陈国平"})}))
    micro = {"安和苑1号院": 48, "安和苑2号院": 36, "安和苑3号院": 60, "育才新村": 80}
    for name, households in micro.items():
        _import(_ledger_rows(rng, "安和苑社区", name, dict(buildings=3, entrances=1, floors=6, per_floor=4,
                                                           limit=households)))
    _import(_ledger_rows(rng, "安和苑社区", "老纺织厂家属院",
                         dict(buildings=5, entrances=2, floors=6, per_floor=2, limit=120)))
    others = {"光华社区": ("光华小区", 420), "文昌社区": ("文昌花园", 260), "东关社区": ("东关新村", 90),
              "西关社区": ("西关佳苑", 180)}
    for community, (name, households) in others.items():
        _import(_ledger_rows(rng, community, name, dict(buildings=6, entrances=2, floors=6, per_floor=4,
                                                        limit=households)))
    estates = {e.name: e for e in Estate.objects.all()}
    yiwu, pacific, yucai, fangzhi = (estates[n] for n in ("义乌城小区", "太平洋花园", "育才新村", "老纺织厂家属院"))
    places.estate_update(None, estate_id=yiwu.pk, grid_id=grid1.pk, household_count=3000, address="文峰区光华路")
    places.estate_update(None, estate_id=pacific.pk, grid_id=grid2.pk, household_count=306)

    # --- organisations -------------------------------------------------------------------------
    def org(kind, name, **where):
        return bodies.organisation_create(None, kind=kind, name=name, **where)

    mingfu_party = org(OrgKind.COMMUNITY_GENERAL_BRANCH, "明福社区党总支", community_id=mingfu.pk)
    anhe_party = org(OrgKind.COMMUNITY_GENERAL_BRANCH, "安和苑社区党总支", community_id=anhe.pk)
    pacific_branch = org(OrgKind.ESTATE_BRANCH, "太平洋花园小区党支部", estate_id=pacific.pk, parent_id=mingfu_party.pk)
    org(OrgKind.ESTATE_BRANCH, "义乌城小区党支部", estate_id=yiwu.pk, parent_id=mingfu_party.pk)
    org(OrgKind.JOINT_BRANCH, "育才新村兼合式党支部", estate_id=yucai.pk, parent_id=anhe_party.pk)
    yiwu_pmc = org(OrgKind.PROPERTY_MANAGEMENT_COMMITTEE, "义乌城小区红色物业管理委员会", estate_id=yiwu.pk)
    pacific_oc = org(OrgKind.OWNERS_COMMITTEE, "太平洋花园第六届业主委员会", estate_id=pacific.pk)
    org(OrgKind.OWNERS_ASSEMBLY, "太平洋花园业主大会", estate_id=pacific.pk)
    for name in ("安和苑1号院", "安和苑2号院", "安和苑3号院"):
        yard = org(OrgKind.YARD_COMMITTEE, f"{name}楼院自治委员会", estate_id=estates[name].pk)
        owners = [p for p in Person.objects.filter(ownerships__unit__estate=estates[name]).distinct()[:3]]
        bodies.committee_seat(None, organisation_id=yard.pk, term_start=TERM_START, term_end=TERM_END,
                              members=[(owners[0].pk, MemberRole.CHAIR)] + [(p.pk, MemberRole.MEMBER) for p in owners[1:]])
    org(OrgKind.OWNERS_COMMITTEE, "光华小区业主委员会", estate_id=estates["光华小区"].pk)
    yiwu_company = org(OrgKind.PROPERTY_COMPANY, "安阳义乌城物业服务有限公司", estate_id=yiwu.pk)
    pacific_company = org(OrgKind.PROPERTY_COMPANY, "太平洋物业服务有限公司", estate_id=pacific.pk)
    service_co = org(OrgKind.COMMUNITY_SERVICE_COMPANY, "安和苑社区为民服务有限责任公司", community_id=anhe.pk)
    for estate, company in ((yiwu, yiwu_company), (pacific, pacific_company), (yucai, service_co), (fangzhi, service_co)):
        bodies.service_contract_create(None, estate_id=estate.pk, company_id=company.pk, start=TERM_START)
    for name, duty in (("区住建局", Responsibility.HOUSING), ("公安文峰分局", Responsibility.PUBLIC_SECURITY),
                       ("区民政局", Responsibility.CIVIL_AFFAIRS), ("区城管执法局", Responsibility.URBAN_MANAGEMENT)):
        dept = Organisation(kind=OrgKind.DEPARTMENT, name=name, district=district, responsibilities=[duty])
        core.record_save(None, dept, scope_ids=(None, None))
    partner = org(OrgKind.PARTNER_UNIT, "国网文峰供电服务中心", community_id=mingfu.pk)
    for party, other in ((mingfu_party, yiwu_company), (mingfu_party, pacific_company), (mingfu_party, partner),
                         (anhe_party, service_co)):
        bodies.agreement_sign(None, party_organisation_id=party.pk, partner_id=other.pk, signed_on=TERM_START,
                              content="党建共建：联合巡查、联席会议、共办民生实事")

    # --- personas ------------------------------------------------------------------------------
    wang, wang_user = _persona(yiwu, "5-1-302", "wangayi")
    _grant(wang_user, Role.OWNER, Unit.objects.get(estate=yiwu, code="5-1-302"))
    _grant(wang_user, Role.RESIDENT, Unit.objects.get(estate=yiwu, code="5-1-302"))

    li, li_user = _persona(pacific, "2-1-301", "lixiansheng")
    second = Unit.objects.get(estate=pacific, code="6-1-502")
    _grant(li_user, Role.OWNER, Unit.objects.get(estate=pacific, code="2-1-301"))
    _grant(li_user, Role.OWNER, second)

    tenant = people.person_create(None, name="刘晓东", phone="13700001111")
    tenant_user = _login("zuhu", "刘晓东（租户）")
    people.person_link_user(None, person_id=tenant.pk, user_id=tenant_user.pk)
    tenant_unit = Unit.objects.get(estate=yiwu, code="7-2-1203")
    people.residency_add(None, person_id=tenant.pk, unit_id=tenant_unit.pk, relation=Relation.TENANT)
    _grant(tenant_user, Role.RESIDENT, tenant_unit)
    _grant(tenant_user, Role.VOLUNTEER, yiwu)  # a registered volunteer (志愿者) of 益屋: takes 三单制 orders

    # 太平洋花园: committee of 7, 5 of them party members; 赵 chairs it and is the branch secretary.
    committee_units = ["1-1-101", "1-1-202", "2-1-403", "4-1-104", "5-1-201", "8-1-302", "10-1-401"]
    committee = [_owner_of(pacific, code) for code in committee_units]
    zhao, zhao_user = _persona(pacific, committee_units[0], "zhaozhuren")
    for i, person in enumerate(committee[:5]):
        people.party_member_register(None, person_id=person.pk, status=MemberStatus.RETIRED if i < 2 else
                                     MemberStatus.IN_SERVICE, work_unit="" if i < 2 else "文峰区教育局",
                                     community_id=mingfu.pk, registered_on=datetime.date(2023, 3, 1))
    bodies.committee_seat(None, organisation_id=pacific_oc.pk, term_start=TERM_START, term_end=TERM_END,
                          members=[(zhao.pk, MemberRole.CHAIR), (committee[1].pk, MemberRole.VICE_CHAIR)]
                          + [(p.pk, MemberRole.MEMBER) for p in committee[2:]])
    bodies.committee_seat(None, organisation_id=pacific_branch.pk, term_start=TERM_START, term_end=TERM_END,
                          members=[(zhao.pk, MemberRole.SECRETARY), (committee[1].pk, MemberRole.MEMBER),
                                   (committee[2].pk, MemberRole.MEMBER)])
    _grant(zhao_user, Role.COMMITTEE_CHAIR, pacific)
    _grant(zhao_user, Role.COMMITTEE_MEMBER, pacific)
    _grant(zhao_user, Role.OWNER, Unit.objects.get(estate=pacific, code=committee_units[0]))
    member, member_user = _persona(pacific, committee_units[3], "weiyuan")
    _grant(member_user, Role.COMMITTEE_MEMBER, pacific)

    # 11 building heads, 陈 in building 3.
    buildings = {b.code: b for b in pacific.buildings.all()}
    chen, chen_user = _persona(pacific, "3-1-201", "chen")
    people.party_member_register(None, person_id=chen.pk, status=MemberStatus.RETIRED, community_id=mingfu.pk,
                                 registered_on=datetime.date(2022, 9, 1))
    _grant(chen_user, Role.BUILDING_HEAD, buildings["3"])
    _grant(chen_user, Role.PARTY_MEMBER, Unit.objects.get(estate=pacific, code="3-1-201"))
    for code, building in buildings.items():
        if code != "3":
            head = _owner_of(pacific, f"{code}-1-101")
            user = _login(f"louzhang{code}", f"{head.name}（{code}号楼楼栋长）")
            _grant(user, Role.BUILDING_HEAD, building)

    he, he_user = _persona(yiwu, "9-1-805", "dangyuan")
    people.party_member_register(None, person_id=he.pk, status=MemberStatus.IN_SERVICE, work_unit="安阳市财政局",
                                 community_id=mingfu.pk, registered_on=datetime.date(2023, 6, 1))
    _grant(he_user, Role.PARTY_MEMBER, Unit.objects.get(estate=yiwu, code="9-1-805"))

    # Staff and cadres.
    def staff(username, name, role, anchor, **kw):
        user = _login(username, name, **kw)
        _grant(user, role, anchor)
        return user

    staff("wanggeyuan", "马丽", Role.GRID_WORKER, grid1)
    zhang = staff("zhangjingli", "张海涛", Role.PROPERTY_STAFF, yiwu)
    pacific_manager = staff("wangjingli", "王建伟", Role.PROPERTY_STAFF, pacific)
    staff("shequ", "杨静", Role.COMMUNITY_STAFF, mingfu)
    yan = staff("yanshuji", "燕娇", Role.COMMUNITY_SECRETARY, mingfu)
    sun = staff("sunjiancha", "孙卫东", Role.DISCIPLINE_SUPERVISOR, anhe)
    _grant(sun, Role.DISCIPLINE_SUPERVISOR, mingfu)
    staff("lijing", "李静", Role.COMMUNITY_SECRETARY, anhe)
    wu = staff("wuganbu", "吴泽省", Role.SUBDISTRICT_OFFICER, sub)
    staff("liukezhang", "刘建军", Role.DEPARTMENT_OFFICER, district)
    zheng = staff("zhengbaobao", "郑永红", Role.CADRE, yucai)
    _grant(zheng, Role.CADRE, fangzhi)
    staff("zhoushenji", "周敏", Role.AUDITOR, sub)
    staff("guanliyuan", "系统管理员", Role.ADMINISTRATOR, district, staff=True)

    # 义乌城's 物管会 seats subdistrict and community cadres beside owners.
    cadres = [people.person_create(None, name=n, community_id=mingfu.pk) for n in ("吴泽省", "燕娇")]
    people.person_link_user(None, person_id=cadres[0].pk, user_id=wu.pk)
    people.person_link_user(None, person_id=cadres[1].pk, user_id=yan.pk)
    for cadre, work_unit in zip(cadres, ("光华路街道办事处", "明福社区居委会"), strict=True):
        people.party_member_register(None, person_id=cadre.pk, status=MemberStatus.IN_SERVICE, work_unit=work_unit,
                                     community_id=mingfu.pk, registered_on=datetime.date(2023, 5, 1))
    yiwu_owners = [_owner_of(yiwu, code) for code in ("1-1-101", "3-2-1101", "5-1-302", "8-1-605", "12-2-901")]
    bodies.committee_seat(None, organisation_id=yiwu_pmc.pk, term_start=TERM_START, term_end=TERM_END,
                          members=[(cadres[0].pk, MemberRole.CHAIR), (cadres[1].pk, MemberRole.VICE_CHAIR)]
                          + [(p.pk, MemberRole.MEMBER) for p in yiwu_owners])

    # Approvals waiting in the inbox: the committee seal (双章三审) for a contract renewal.
    seal_roles = [Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY, Role.DISCIPLINE_SUPERVISOR]
    core.approval_create(zhao_user, estate_id=pacific.pk, title="使用业委会公章：续签物业服务合同",
                         body="太平洋花园与太平洋物业服务有限公司物业服务合同到期续签，需加盖业委会公章。",
                         roles=seal_roles, kind="seal_use")
    done = core.approval_create(zhao_user, estate_id=pacific.pk, title="公共收益支出：小区路灯维修 3,860 元",
                                roles=seal_roles, kind="expense")
    core.approval_sign(zhao_user, approval_id=done.pk, role=Role.COMMITTEE_CHAIR, comment="同意")
    core.approval_sign(yan, approval_id=done.pk, comment="同意，按程序公示")
    core.approval_sign(sun, approval_id=done.pk, comment="票据齐全")
    core.approval_create(zhang, estate_id=yiwu.pk, title="电梯维保合同盖章",
                         roles=[Role.PROPERTY_STAFF, Role.COMMUNITY_SECRETARY], kind="seal_use")
    _notices(zhao_user, yan, zhang, pacific, yiwu, mingfu)
    _votes(zhao_user, member_user, chen_user, pacific)
    _deliberation(zhao_user, member_user, yan, pacific_manager, pacific, mingfu)
    _money(zhao_user, yan, sun, pacific_manager, pacific)
    _requests(sub, district)


def _notices(chair, secretary, property_staff, pacific, yiwu, mingfu) -> None:
    """Published notices, each entered in the transparency log: a public financial statement and
    its correction, an estate-only resolution, a community announcement, a pinned lift notice."""
    from gongzhi.notices import services as notices

    today = clock.today()
    statement = [["项目", "收入（元）", "支出（元）", "说明"],
                 ["电梯广告收入", "18,600.00", "", "7-9 月"],
                 ["停车场地租金", "42,300.00", "", "地面车位 141 个"],
                 ["路灯维修", "", "3,860.00", "审批单已完成三方签署"],
                 ["绿化补植", "", "6,200.00", ""],
                 ["合计", "60,900.00", "10,060.00", "结余 50,840.00"]]
    first = notices.notice_publish(
        chair, estate_id=pacific.pk, kind="financial", audience="public",
        title="太平洋花园2026年第三季度公共收益收支公示", issuer="太平洋花园业主委员会",
        body="根据《民法典》第二百八十二条，现将本小区第三季度公共收益收支情况公示如下。\n"
             "如有疑问，请于公示期内向业主委员会或明福社区反映。",
        table=statement[:4] + [["合计", "60,900.00", "3,860.00", "结余 57,040.00"]],
        expires_on=today + datetime.timedelta(days=14))
    notices.notice_publish(
        chair, estate_id=pacific.pk, kind="financial", audience="public", supersedes_id=first.pk,
        title="【更正】太平洋花园2026年第三季度公共收益收支公示", issuer="太平洋花园业主委员会",
        body="原公示漏列绿化补植支出 6,200 元，现更正如下，以本公示为准。", table=statement,
        expires_on=today + datetime.timedelta(days=14), pinned=True)
    notices.notice_publish(
        chair, estate_id=pacific.pk, kind="resolution", audience="estate",
        title="关于续聘太平洋物业服务有限公司的业主大会决议公示", issuer="太平洋花园业主大会",
        body="经业主共同决定，续聘太平洋物业服务有限公司，服务期三年。\n"
             "参与表决的专有部分面积和人数均超过三分之二，同意票超过参与表决者的二分之一。",
        expires_on=today + datetime.timedelta(days=7))
    notices.notice_publish(
        secretary, community_id=mingfu.pk, kind="announcement", audience="public",
        title="明福社区红色物业联席会议公告", issuer="明福社区党委",
        body="本月 25 日下午在红领工作站召开联席会议，议题：电动车集中充电棚建设。欢迎居民代表旁听。")
    notices.notice_publish(
        property_staff, estate_id=yiwu.pk, kind="announcement", audience="estate", pinned=True,
        title="义乌城小区电梯年度检验公示", issuer="义乌城物业服务中心",
        body="全部 34 部电梯已通过年度检验，检验报告在物业服务中心备查。",
        expires_on=today + datetime.timedelta(days=30))



def _votes(chair, member, building_head, pacific) -> None:
    """An open vote announced 16 days ago with ballots coming in, an election taking nominations,
    a consultation with answers, and a convention open for comments."""

    from gongzhi.core import clock
    from gongzhi.people.models import Ownership
    from gongzhi.votes import consultations
    from gongzhi.votes import services as votes
    from gongzhi.votes.models import RollEntry

    now = clock.now().replace(microsecond=0)
    announced = now - datetime.timedelta(days=16)
    with clock.frozen(announced):  # the notice period has passed
        vote = votes.vote_create(chair, estate_id=pacific.pk, title="续聘太平洋物业服务有限公司", item=4,
                                 description="合同期满，业主委员会提议续聘三年，物业费标准不变。",
                                 opens_at=announced + datetime.timedelta(days=15),
                                 closes_at=now + datetime.timedelta(days=10))
        votes.vote_announce(chair, vote_id=vote.pk)
    entries = list(RollEntry.objects.filter(vote=vote).exclude(persons__user__username="lixiansheng")
                   .prefetch_related("persons").order_by("unit__code"))
    seen = set()
    for i, entry in enumerate(entries[:120]):
        if entry.owner_key in seen or entry.owner_key == "DEVELOPER":
            continue
        seen.add(entry.owner_key)
        ballot = votes.ballot_enter(building_head if i % 2 else chair, vote_id=vote.pk, unit_id=entry.unit_id,
                                    voter_id=entry.persons.first().pk, choice="yes" if i % 5 else "no",
                                    channel="door" if i % 2 else "paper")
        if i % 3:  # most sheets already checked by a second person; the rest wait in the queue
            votes.ballot_check(member if ballot.entered_by_id == chair.pk else chair, ballot_id=ballot.pk,
                               choice=ballot.choice)

    election = votes.vote_create(chair, estate_id=pacific.pk, title="第三届业主委员会选举", item=3, seats=7,
                                 opens_at=now + datetime.timedelta(days=20), closes_at=now + datetime.timedelta(days=30))
    owners = list(Ownership.objects.filter(unit__estate=pacific, until__isnull=True, person__kind="natural")
                  .select_related("person").order_by("unit__code")[10:60:6])
    for o in owners:
        c = votes.candidate_nominate(chair, vote_id=election.pk, person_id=o.person_id,
                                     statement="热心公益，愿为业主服务。")
        votes.candidate_review(chair, candidate_id=c.pk, checks=dict.fromkeys(("dandang", "dangxing", "suzhi",
                                                                                "gongxin"), True))

    plan = consultations.consultation_create(
        chair, estate_id=pacific.pk, title="老旧小区改造方案（加装电梯、管网改造）",
        body="拟为 1-6 号楼加装电梯并改造雨污管网，资金由政府补助和业主分摊。请每户提出意见。",
        opens_at=now - datetime.timedelta(days=3), closes_at=now + datetime.timedelta(days=11))
    opinions = ["agree", "agree", "conditional", "disagree", "agree"]
    for i, entry in enumerate(entries[:60:2]):
        opinion = opinions[i % len(opinions)]
        consultations.answer_submit(building_head if i % 2 else chair, consultation_id=plan.pk, unit_id=entry.unit_id,
                                    opinion=opinion, channel="door",
                                    comment="低层住户希望减免分摊" if opinion == "conditional" else "")

    convention = consultations.convention_create(
        chair, estate_id=pacific.pk, title="太平洋花园居民公约",
        articles=["爱护公共设施，不占用消防通道。", "不高空抛物，不乱扔垃圾。", "电动车不进楼道、不飞线充电。",
                  "文明养犬，出门牵绳，及时清理。"])
    consultations.convention_open_comments(chair, convention_id=convention.pk)


def _deliberation(chair, member, secretary, manager, pacific, mingfu) -> None:
    """A year of meetings and matters: monthly dispatch meetings, a completed 四议两公开 matter, a
    四步法 playground renovation, a lift-replacement hearing half delivered, matters in progress."""
    from decimal import Decimal

    from gongzhi.bodies.models import Membership, OrgKind
    from gongzhi.core import clock
    from gongzhi.meetings import services as m
    from gongzhi.meetings.models import Matter, MatterStep, Meeting
    from gongzhi.votes import services as votes
    from gongzhi.votes.models import RollEntry

    now = clock.now().replace(microsecond=0)
    manager_person = people.person_create(None, name="王建伟", community_id=mingfu.pk)
    people.person_link_user(None, person_id=manager_person.pk, user_id=manager.pk)
    secretary_person = Person.objects.get(user=secretary)
    chair_person = Person.objects.get(user=chair)

    def members(kind):
        return [x.person_id for x in Membership.objects.filter(organisation__estate=pacific,
                                                               organisation__kind=kind, active=True)]

    def meeting(kind, title, when, matters=(), attendees=(), decisions=(), convener=secretary):
        held = m.meeting_plan(convener, estate_id=pacific.pk, kind=kind, title=title, scheduled_at=when,
                              place="红领工作站", agenda_ids=[x.pk for x in matters])
        m.meeting_open(convener, meeting_id=held.pk)
        for person_id, party in attendees:
            m.sign_in(convener, meeting_id=held.pk, party=party, person_id=person_id)
        for matter, text, votes_for in decisions:
            m.decision_record(convener, meeting_id=held.pk, matter_id=matter.pk, text=text, votes_for=votes_for)
        m.meeting_close(convener, meeting_id=held.pk, minutes="会议按议程进行，形成决定如上。")
        Meeting.objects.filter(pk=held.pk).update(opened_at=when, closed_at=when + datetime.timedelta(hours=2))
        return held

    joint_parties = [(secretary_person.pk, "community"), (chair_person.pk, "autonomous"),
                     (manager_person.pk, "property")]
    for months in range(12, 0, -1):
        meeting("monthly_dispatch", f"明福社区{(now - datetime.timedelta(days=30 * months)).month}月调度会",
                now - datetime.timedelta(days=30 * months), attendees=joint_parties)

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
    item = m.action_add(chair, matter_id=parking.pk, text="物业统计外来车辆停放情况", owner_id=manager.pk,
                        due_on=clock.today())
    type(item).objects.filter(pk=item.pk).update(due_on=clock.today() - datetime.timedelta(days=3))


def _money(chair, secretary, supervisor, manager, pacific) -> None:
    """业账社管 for 太平洋花园: seals in community custody, a year of common income (with money moved
    in from a former committee member's personal account), a paid expense and one waiting for
    signatures, fee collection climbing from 55% to 75%, and last month's bank statement matched."""
    from decimal import Decimal

    from gongzhi.core import clock
    from gongzhi.finance import fees, reconciliation
    from gongzhi.finance import services as fin
    from gongzhi.finance.models import FeeBill

    today = clock.today()
    fin.seal_register(secretary, estate_id=pacific.pk, kind="owners_assembly", custodian_id=secretary.pk)
    fin.seal_register(secretary, estate_id=pacific.pk, kind="committee", custodian_id=secretary.pk)
    fin.income_record(secretary, estate_id=pacific.pk, category="personal_transfer", amount="523600",
                      date=today - datetime.timedelta(days=330), memo="原业委会成员个人账户代收款项转入公账",
                      payer="原业委会成员")
    for months_ago in range(11, -1, -1):
        day = min(today, (today.replace(day=1) - datetime.timedelta(days=30 * months_ago)).replace(day=5))
        fin.income_record(secretary, estate_id=pacific.pk, category="parking", amount="4230", date=day,
                          memo=f"{day.month}月地面停车费", payer="停车管理处")
        if months_ago % 3 == 0:
            fin.income_record(secretary, estate_id=pacific.pk, category="advertising", amount="6200", date=day,
                              memo="电梯广告", payer="某广告公司")
    paid = fin.expense_request(chair, estate_id=pacific.pk, amount="3860", purpose="小区路灯维修", payee="某电工维修部",
                               category="repair", quotes="三家报价：3,860 / 4,100 / 4,500")
    for role, user in ((Role.COMMITTEE_CHAIR, chair), (Role.PROPERTY_STAFF, manager),
                       (Role.COMMUNITY_SECRETARY, secretary)):
        core.approval_sign(user, approval_id=paid.approval_id, role=role)
    fin.expense_pay(secretary, expense_id=paid.pk, date=today - datetime.timedelta(days=20))
    fin.expense_request(chair, estate_id=pacific.pk, amount="1800", purpose="补种绿篱", payee="某绿化公司",
                        category="greenery")

    fees.rate_set(manager, estate_id=pacific.pk, unit_kind="residential", rate="1.20")
    first = today.replace(day=1)
    months = []
    for back in range(5, -1, -1):
        month = first
        for _ in range(back):
            month = (month - datetime.timedelta(days=1)).replace(day=1)
        months.append(month)
    for i, month in enumerate(months):  # collection climbs from 55% to 75%
        fees.bill_month(manager, estate_id=pacific.pk, month=month)
        share = Decimal("0.55") + Decimal("0.04") * i
        bills = list(FeeBill.objects.filter(estate=pacific, month=month).order_by("unit__code"))
        for bill in bills[: int(len(bills) * share)]:
            fees.pay(manager, bill_id=bill.pk, amount=Decimal(bill.amount) / 100, method="online",
                     paid_on=min(today, month + datetime.timedelta(days=9)))

    last = (first - datetime.timedelta(days=1)).replace(day=5)
    statement = "\n".join([
        "交易日期,收入金额,支出金额,对方户名,摘要",
        f"{last + datetime.timedelta(days=1)},4230.00,,停车管理处,停车费",
        f"{last + datetime.timedelta(days=3)},,300.00,某五金店,零星采购（无凭证）",
    ]).encode()
    reconciliation.bank_import(secretary, estate_id=pacific.pk, data=statement, filename="上月银行流水.csv")
    suggestions = reconciliation.suggest(pacific)
    reconciliation.confirm(secretary, pairs=[(s.line_id, s.transaction_id) for s in suggestions])


def _requests(sub, district) -> None:
    """Four months of residents' requests in 义乌城 and 太平洋花园 (and the same months last year, a
    quarter more: complaints −20%), each through the services at its own time; then the showcase:
    王阿姨's corridor light waiting for her confirmation, a parking dispute at the subdistrict with
    two departments summoned (one has not reported), a noise complaint waiting for building head 陈,
    a reopened leak, a patrol's flying-wire emergency, a road problem up to the 包保 cadre, micro-wishes
    at every step, and the Open311 jurisdiction `guanghualu` with key GONGZHI-DEMO-KEY."""

    from django.contrib.auth import get_user_model

    from gongzhi.bodies.models import Membership
    from gongzhi.core import clock
    from gongzhi.core.models import Notification
    from gongzhi.requests import orders
    from gongzhi.requests import services as req
    from gongzhi.requests.models import Channel, Request
    from gongzhi.requests.routing import Category

    users = {u.username: u for u in get_user_model().objects.all()}
    estates = {e.name: e for e in Estate.objects.all()}
    yiwu, pacific, fangzhi = estates["义乌城小区"], estates["太平洋花园"], estates["老纺织厂家属院"]
    req.open311_key_issue(None, jurisdiction="guanghualu", name="12345 热线对接（演示）", raw="GONGZHI-DEMO-KEY")
    # 刘 is 区住建局's officer: its summonses reach him.
    for username, name, dept_name in (("liukezhang", "刘建军", "区住建局"),):
        person = people.person_create(None, name=name)
        people.person_link_user(None, person_id=person.pk, user_id=users[username].pk)
        dept = Organisation.objects.get(kind=OrgKind.DEPARTMENT, name=dept_name)
        core.record_save(None, Membership(organisation=dept, person=person, role=MemberRole.MEMBER),
                         scope_ids=(None, None))

    now = clock.now().replace(minute=0, second=0, microsecond=0)
    rng = random.Random(20261122)
    day = datetime.timedelta(days=1)
    hour = datetime.timedelta(hours=1)

    def at(when):  # a follow-up that would fall after the moment the demo loads happens now instead
        return clock.frozen(min(when, now))

    residents = {yiwu: ["wangayi", "zuhu"], pacific: ["lixiansheng", "zhaozhuren", "weiyuan", "chen"]}
    handlers = {yiwu: users["zhangjingli"], pacific: users["wangjingli"]}
    common = [Category.CLEANING, Category.LIGHTING, Category.MINOR_REPAIR, Category.LIFT, Category.PIPES,
              Category.GREENERY, Category.SECURITY, Category.RENOVATION, Category.FLYING_WIRE, Category.CLEANING,
              Category.LIGHTING, Category.PIPES]
    texts = {Category.CLEANING: "楼道垃圾堆放多日无人清理", Category.LIGHTING: "单元楼道灯不亮，晚上老人上下楼不安全",
             Category.MINOR_REPAIR: "单元门禁损坏，门关不上", Category.LIFT: "电梯运行有异响，停靠不平",
             Category.PIPES: "楼下污水井堵塞外溢", Category.GREENERY: "绿化带树枝遮挡路灯和窗户",
             Category.SECURITY: "小区东门夜间无人值守", Category.RENOVATION: "楼上装修噪音超过规定时间",
             Category.FLYING_WIRE: "有人从窗户拉线给电动车充电"}

    def one(estate, when, *, confirm=True):
        category = rng.choice(common)
        building = rng.choice(list(estate.buildings.all()[:10]))
        by_phone = rng.random() < 0.3
        with at(when):
            if by_phone:
                r = req.request_submit(handlers[estate], req.Intake(
                    estate_id=estate.pk, building_id=building.pk, category=category, description=texts[category],
                    channel=Channel.PHONE, contact_name=rng.choice(["张大爷", "刘阿姨", "孙女士", "周先生"])))
            else:
                user = users[rng.choice(residents[estate])]
                r = req.request_submit(user, req.Intake(estate_id=estate.pk, building_id=building.pk,
                                                        category=category, description=texts[category]))
        if r.level != 1 or r.handler not in ("property", "council"):
            return r
        handler = handlers[estate]  # property staff sit on the tripartite council too
        with at(when + rng.randint(1, 6) * hour):
            req.request_respond(handler, request_id=r.pk, note="已安排维修人员")
        if rng.random() < 0.06:
            with at(when + 2 * day):
                req.request_call_up(handler, request_id=r.pk, reason="需社区协调相关住户")
            with at(when + 3 * day):
                req.request_resolve(users["shequ"], request_id=r.pk, note="社区协调后已处理")
        else:
            late = rng.random() < 0.12
            with at(when + (rng.randint(8, 11) if late else rng.randint(1, 5)) * day):
                req.request_resolve(handler, request_id=r.pk, note="已处理完毕，请业主确认")
        r.refresh_from_db()
        if r.requester_id and confirm:
            if rng.random() < 0.1:
                with at(r.resolved_at + day):
                    req.request_reopen(r.requester, request_id=r.pk, reason="问题没有彻底解决，又出现了")
                with at(r.resolved_at + 3 * day):
                    req.request_resolve(r.resolved_by, request_id=r.pk, note="已彻底修复")
                r.refresh_from_db()
            if rng.random() < 0.85:
                with at(r.resolved_at + rng.randint(2, 30) * hour):
                    req.request_confirm(r.requester, request_id=r.pk, satisfaction=rng.choice([5, 5, 5, 4, 4, 4, 3, 2]),
                                        comment=rng.choice(["", "处理及时", "师傅很认真", "希望以后早点处理"]))
        return r

    for years_ago, per_week in ((1, 5), (0, 4)):
        start = now - datetime.timedelta(days=365 * years_ago + 120)
        for week in range(17):
            for _ in range(per_week):
                when = start + week * 7 * day + rng.randint(0, 6) * day + rng.randint(8, 19) * hour
                if when < now - 10 * day:
                    one(rng.choice([yiwu, yiwu, pacific]), when)

    # --- the showcase, relative to now ---
    wang, li, chen = users["wangayi"], users["lixiansheng"], users["chen"]
    b5 = yiwu.buildings.get(code="5")
    with at(now - 2 * day):
        light = req.request_submit(wang, req.Intake(estate_id=yiwu.pk, building_id=b5.pk, category=Category.LIGHTING,
                                                    description="5号楼1单元3楼楼道灯坏了，晚上看不见台阶",
                                                    place_text="5号楼1单元3楼"))
    with at(now - 2 * day + 3 * hour):
        req.request_respond(users["zhangjingli"], request_id=light.pk, note="明天上午更换灯具")
    with at(now - day):
        req.request_resolve(users["zhangjingli"], request_id=light.pk, note="已更换声控灯具，测试正常")

    with at(now - 9 * day):
        parking = req.request_submit(li, req.Intake(
            estate_id=pacific.pk, category=Category.PARKING,
            description="小区外来车辆长期占用消防通道和业主车位，多次反映无果"))
    with at(now - 8 * day):
        req.request_call_up(users["wangjingli"], request_id=parking.pk, reason="涉及外来车辆和消防通道，物业无执法权")
    with at(now - 6 * day):
        req.request_call_up(users["yanshuji"], request_id=parking.pk, reason="需公安交警和住建部门联合处置")
    with at(now - 5 * day):
        req.request_respond(users["wuganbu"], request_id=parking.pk, note="已列入本周吹哨事项")
        departments = list(Organisation.objects.filter(kind=OrgKind.DEPARTMENT, name__in=["区住建局", "公安文峰分局"])
                           .values_list("pk", flat=True))
        summonses = req.request_summon(users["wuganbu"], request_id=parking.pk, department_ids=departments)
    housing = next(s for s in summonses if s.department.name == "区住建局")
    with at(now - 4 * day):
        req.summons_report(users["liukezhang"], summons_id=housing.pk, note="明日到现场")

    b3 = pacific.buildings.get(code="3")
    with at(now - 5 * hour):
        req.request_submit(users["zhaozhuren"], req.Intake(
            estate_id=pacific.pk, building_id=b3.pk, category=Category.NOISE,
            description="3号楼夜间经常有人打麻将到凌晨，影响休息"))

    b6 = pacific.buildings.get(code="6")
    with at(now - 6 * day):
        leak = req.request_submit(li, req.Intake(estate_id=pacific.pk, building_id=b6.pk, category=Category.PIPES,
                                                 description="6号楼地下室管道漏水，墙面发霉"))
        req.request_respond(users["wangjingli"], request_id=leak.pk)
    with at(now - 4 * day):
        req.request_resolve(users["wangjingli"], request_id=leak.pk, note="已更换漏水管段")
    with at(now - 3 * day):
        req.request_reopen(li, request_id=leak.pk, reason="又开始漏水了，地下室有积水")

    with at(now - 30 * 60 * datetime.timedelta(seconds=1)):
        req.request_submit(users["wanggeyuan"], req.Intake(
            estate_id=yiwu.pk, building_id=yiwu.buildings.get(code="12").pk, category=Category.FLYING_WIRE,
            emergency=True, channel=Channel.PATROL, contact_name="网格巡查",
            description="12号楼2单元有住户从5楼窗户拉电线给楼下电动车充电，存在火灾隐患"))

    with at(now - 20 * day):
        road = req.request_submit(users["lijing"], req.Intake(
            estate_id=fangzhi.pk, category=Category.ROADS, channel=Channel.VISIT, contact_name="老纺织厂居民代表",
            description="家属院主干道塌陷，雨天积水，老人出行困难；无物业，多年无人维修"))
    for days_ago, who, reason in ((19, "lijing", "社区无力承担维修费用"), (17, "lijing", "需要街道协调资金"),
                                  (14, "wuganbu", "需城管部门确定维修责任"), (9, "wuganbu", "久拖未决，请包保干部督办")):
        with at(now - days_ago * day):
            req.request_call_up(users[who], request_id=road.pk, reason=reason)
    with at(now - 8 * day):
        req.request_respond(users["zhengbaobao"], request_id=road.pk, note="已到现场查看，协调维修资金")

    # 三单制
    with at(now - 10 * day):
        wish = orders.order_place(wang, estate_id=yiwu.pk, kind="micro_wish", title="帮忙更换家里的灯泡",
                                  description="独居，够不着")
        orders.order_dispatch(users["wanggeyuan"], order_id=wish.pk, helper_ids=[users["dangyuan"].pk])
    with at(now - 10 * day + 2 * hour):
        orders.order_accept(users["dangyuan"], order_id=wish.pk)
    with at(now - 9 * day):
        orders.order_complete(users["dangyuan"], order_id=wish.pk, note="已上门更换 3 个灯泡")
        orders.order_rate(wang, order_id=wish.pk, satisfaction=5)
    with at(now - 2 * day):
        escort = orders.order_place(wang, estate_id=yiwu.pk, kind="service", title="陪同去医院复查",
                                    description="周五上午，腿脚不便")
        orders.order_dispatch(users["wanggeyuan"], order_id=escort.pk, helper_ids=[users["zuhu"].pk])
    with at(now - 2 * day + 3 * hour):
        orders.order_accept(users["zuhu"], order_id=escort.pk)
    with at(now - 3 * hour):
        help_order = orders.order_place(li, estate_id=pacific.pk, kind="service", title="帮楼下独居老人取药",
                                        description="6号楼1单元 王奶奶，每周一次")
        orders.order_dispatch(users["zhaozhuren"], order_id=help_order.pk, helper_ids=[chen.pk, users["louzhang6"].pk])
    with at(now - hour):
        orders.order_place(users["weiyuan"], estate_id=pacific.pk, kind="micro_wish", title="为困难家庭孩子募集课外书")

    req.sweep()
    # The months replayed above notified people as they went; those messages are old news.
    history = [f"/requests/{pk}/" for pk in Request.objects.filter(created_at__lt=now - 10 * day)
               .values_list("pk", flat=True)]
    transaction.on_commit(lambda: Notification.objects.filter(link__in=history).update(read_at=clock.now()))
