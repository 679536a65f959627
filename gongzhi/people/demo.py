"""People's slice of the demo: the personas (PERSONAS.md) with their logins, flats and roles, the
building heads, party members, staff and cadres. Every persona logs in with DEMO_PASSWORD."""

import datetime
import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from gongzhi.core.roles import Role
from gongzhi.people import services as people
from gongzhi.people.models import MemberStatus, Person, Relation
from gongzhi.places.models import Estate, Unit

DEMO_PASSWORD = "gongzhi-demo"
TERM_START = datetime.date(2024, 5, 1)
TERM_END = datetime.date(2029, 4, 30)
PERSONA_USERNAMES = [
    "wangayi", "lixiansheng", "zuhu", "dangyuan", "chen", "wanggeyuan", "weiyuan", "zhaozhuren", "zhangjingli",
    "wangjingli", "shequ", "yanshuji", "lijing", "sunjiancha", "wuganbu", "liukezhang", "zhengbaobao", "zhoushenji",
    "guanliyuan",
]
# 太平洋花园: committee of 7, 5 of them party members; 赵 (the first) chairs it and is the branch secretary.
PACIFIC_COMMITTEE_UNITS = ["1-1-101", "1-1-202", "2-1-403", "4-1-104", "5-1-201", "8-1-302", "10-1-401"]


@functools.cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)  # hashing is slow on purpose: do it once for all logins


def login(username: str, name: str, *, staff: bool = False):
    return get_user_model().objects.create(
        username=username, password=_demo_password_hash(), first_name=name, is_staff=staff
    )


def grant(user, role: str, anchor) -> None:
    field = type(anchor)._meta.model_name
    # From the start of the term, so that the months of history the demo replays had these roles too.
    people.role_assign(None, user_id=user.pk, role=role, anchor_field=field, anchor_id=anchor.pk,
                       valid_from=TERM_START)


def owner_of(estate: Estate, code: str) -> Person:
    unit = Unit.objects.get(estate=estate, code=code)
    return unit.ownerships.get(until__isnull=True).person


def _persona(estate: Estate, code: str, username: str) -> tuple[Person, object]:
    person = owner_of(estate, code)
    user = login(username, person.name)
    people.person_link_user(None, person_id=person.pk, user_id=user.pk)
    return person, user


def _member(person, *, retired: bool, work_unit: str, community, since: datetime.date) -> None:
    people.party_member_register(None, person_id=person.pk, status=MemberStatus.RETIRED if retired else
                                 MemberStatus.IN_SERVICE, work_unit=work_unit, community_id=community.pk,
                                 registered_on=since)


def load(w) -> None:
    """Sets the personas' users on w (w.zhao_user, w.member_user, w.chen_user, w.yan, w.sun, w.zhang,
    w.pacific_manager, w.wu ...), w.pacific_committee (persons) and w.cadres (persons of 吴 and 燕)."""
    yiwu, pacific, mingfu = w.yiwu, w.pacific, w.mingfu
    wang, wang_user = _persona(yiwu, "5-1-302", "wangayi")
    grant(wang_user, Role.OWNER, Unit.objects.get(estate=yiwu, code="5-1-302"))
    grant(wang_user, Role.RESIDENT, Unit.objects.get(estate=yiwu, code="5-1-302"))

    li, li_user = _persona(pacific, "2-1-301", "lixiansheng")
    grant(li_user, Role.OWNER, Unit.objects.get(estate=pacific, code="2-1-301"))
    grant(li_user, Role.OWNER, Unit.objects.get(estate=pacific, code="6-1-502"))

    tenant = people.person_create(None, name="刘晓东", phone="13700001111")
    tenant_user = login("zuhu", "刘晓东（租户）")
    people.person_link_user(None, person_id=tenant.pk, user_id=tenant_user.pk)
    tenant_unit = Unit.objects.get(estate=yiwu, code="7-2-1203")
    people.residency_add(None, person_id=tenant.pk, unit_id=tenant_unit.pk, relation=Relation.TENANT)
    grant(tenant_user, Role.RESIDENT, tenant_unit)
    grant(tenant_user, Role.VOLUNTEER, yiwu)  # a registered volunteer (志愿者) of 益屋: takes 三单制 orders

    w.pacific_committee = [owner_of(pacific, code) for code in PACIFIC_COMMITTEE_UNITS]
    zhao, w.zhao_user = _persona(pacific, PACIFIC_COMMITTEE_UNITS[0], "zhaozhuren")
    for i, person in enumerate(w.pacific_committee[:5]):
        _member(person, retired=i < 2, work_unit="" if i < 2 else "文峰区教育局", community=mingfu,
                since=datetime.date(2023, 3, 1))
    grant(w.zhao_user, Role.COMMITTEE_CHAIR, pacific)
    grant(w.zhao_user, Role.COMMITTEE_MEMBER, pacific)
    grant(w.zhao_user, Role.OWNER, Unit.objects.get(estate=pacific, code=PACIFIC_COMMITTEE_UNITS[0]))
    _member_person, w.member_user = _persona(pacific, PACIFIC_COMMITTEE_UNITS[3], "weiyuan")
    grant(w.member_user, Role.COMMITTEE_MEMBER, pacific)

    # 11 building heads, 陈 in building 3.
    buildings = {b.code: b for b in pacific.buildings.all()}
    chen, w.chen_user = _persona(pacific, "3-1-201", "chen")
    _member(chen, retired=True, work_unit="", community=mingfu, since=datetime.date(2022, 9, 1))
    grant(w.chen_user, Role.BUILDING_HEAD, buildings["3"])
    grant(w.chen_user, Role.PARTY_MEMBER, Unit.objects.get(estate=pacific, code="3-1-201"))
    for code, building in buildings.items():
        if code != "3":
            head = owner_of(pacific, f"{code}-1-101")
            grant(login(f"louzhang{code}", f"{head.name}（{code}号楼楼栋长）"), Role.BUILDING_HEAD, building)

    he, he_user = _persona(yiwu, "9-1-805", "dangyuan")
    _member(he, retired=False, work_unit="安阳市财政局", community=mingfu, since=datetime.date(2023, 6, 1))
    grant(he_user, Role.PARTY_MEMBER, Unit.objects.get(estate=yiwu, code="9-1-805"))

    def staff(username, name, role, anchor, **kw):
        user = login(username, name, **kw)
        grant(user, role, anchor)
        return user

    staff("wanggeyuan", "马丽", Role.GRID_WORKER, w.grid1)
    w.zhang = staff("zhangjingli", "张海涛", Role.PROPERTY_STAFF, yiwu)
    w.pacific_manager = staff("wangjingli", "王建伟", Role.PROPERTY_STAFF, pacific)
    staff("shequ", "杨静", Role.COMMUNITY_STAFF, mingfu)
    w.yan = staff("yanshuji", "燕娇", Role.COMMUNITY_SECRETARY, mingfu)
    w.sun = staff("sunjiancha", "孙卫东", Role.DISCIPLINE_SUPERVISOR, w.anhe)
    grant(w.sun, Role.DISCIPLINE_SUPERVISOR, mingfu)
    staff("lijing", "李静", Role.COMMUNITY_SECRETARY, w.anhe)
    w.wu = staff("wuganbu", "吴泽省", Role.SUBDISTRICT_OFFICER, w.sub)
    staff("liukezhang", "刘建军", Role.DEPARTMENT_OFFICER, w.district)
    zheng = staff("zhengbaobao", "郑永红", Role.CADRE, w.yucai)
    grant(zheng, Role.CADRE, w.fangzhi)
    staff("zhoushenji", "周敏", Role.AUDITOR, w.sub)
    staff("yinhang", "钱晓红", Role.BANK_OFFICER, w.sub)  # 银行经办: confirms the account for 三审
    staff("guanliyuan", "系统管理员", Role.ADMINISTRATOR, w.district, staff=True)

    # 吴 and 燕 as persons too: 义乌城's 物管会 seats subdistrict and community cadres beside owners.
    w.cadres = [people.person_create(None, name=n, community_id=mingfu.pk) for n in ("吴泽省", "燕娇")]
    people.person_link_user(None, person_id=w.cadres[0].pk, user_id=w.wu.pk)
    people.person_link_user(None, person_id=w.cadres[1].pk, user_id=w.yan.pk)
    for cadre, work_unit in zip(w.cadres, ("光华路街道办事处", "明福社区居委会"), strict=True):
        _member(cadre, retired=False, work_unit=work_unit, community=mingfu, since=datetime.date(2023, 5, 1))
