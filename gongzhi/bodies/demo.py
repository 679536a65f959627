"""Bodies' slice of the demo: the party organisations, 太平洋花园's committee of 7 (5 party members,
the chair also the branch secretary), 义乌城's 物管会 with cadres beside owners, yard committees,
property companies and the community service company with their contracts, departments (成员单位) each
with its officer, the five platforms of 明福社区 with their members and the estates they serve, and
co-construction agreements."""

from gongzhi.bodies import services as bodies
from gongzhi.bodies.models import MemberRole, Organisation, OrgKind, Responsibility
from gongzhi.core import services as core
from gongzhi.core.roles import Role
from gongzhi.people import services as people
from gongzhi.people.demo import TERM_END, TERM_START, grant, login, owner_of
from gongzhi.people.models import Person

# 成员单位 and their officers (区住建局's, the persona 刘建军, is seated with the requests' slice)
DEPARTMENTS = (("区住建局", Responsibility.HOUSING, None, None),
               ("公安文峰分局", Responsibility.PUBLIC_SECURITY, "hanjingguan", "韩志刚"),
               ("区民政局", Responsibility.CIVIL_AFFAIRS, "suminzheng", "苏红"),
               ("区城管执法局", Responsibility.URBAN_MANAGEMENT, "dengchengguan", "邓伟"))
PLATFORMS = ((OrgKind.DIRECTOR_STUDIO, "明福社区局长驻点工作室", ("住建局驻点科员 孟凡", "民政局驻点科员 许静")),
             (OrgKind.DEPUTIES_STUDIO, "明福社区两代表一委员工作室", ("区人大代表 宋玉兰", "区政协委员 何建平")),
             (OrgKind.CIVILISATION_CENTRE, "明福社区新时代文明实践站", ("文明实践志愿者 郭敏",)),
             (OrgKind.POLICE_IN_GRID, "明福社区政法干警进网格工作站", ("韩志刚", "文峰法庭法官 唐宁")),
             (OrgKind.THREE_SOCIAL, "明福社区三社联动服务站", ("社工 邱雨", "社会组织负责人 曹阳")))


def _seat(organisation, members) -> None:
    bodies.committee_seat(None, organisation_id=organisation.pk, term_start=TERM_START, term_end=TERM_END,
                          members=members)


def load(w) -> None:
    estates, yiwu, pacific, yucai, fangzhi = w.estates, w.yiwu, w.pacific, w.yucai, w.fangzhi

    def org(kind, name, **where):
        return bodies.organisation_create(None, kind=kind, name=name, **where)

    mingfu_party = org(OrgKind.COMMUNITY_GENERAL_BRANCH, "明福社区党总支", community_id=w.mingfu.pk)
    anhe_party = org(OrgKind.COMMUNITY_GENERAL_BRANCH, "安和苑社区党总支", community_id=w.anhe.pk)
    pacific_branch = org(OrgKind.ESTATE_BRANCH, "太平洋花园小区党支部", estate_id=pacific.pk, parent_id=mingfu_party.pk)
    org(OrgKind.ESTATE_BRANCH, "义乌城小区党支部", estate_id=yiwu.pk, parent_id=mingfu_party.pk)
    org(OrgKind.JOINT_BRANCH, "育才新村兼合式党支部", estate_id=yucai.pk, parent_id=anhe_party.pk)
    yiwu_pmc = org(OrgKind.PROPERTY_MANAGEMENT_COMMITTEE, "义乌城小区红色物业管理委员会", estate_id=yiwu.pk)
    pacific_oc = org(OrgKind.OWNERS_COMMITTEE, "太平洋花园第六届业主委员会", estate_id=pacific.pk)
    org(OrgKind.OWNERS_ASSEMBLY, "太平洋花园业主大会", estate_id=pacific.pk)
    for name in ("安和苑1号院", "安和苑2号院", "安和苑3号院"):
        yard = org(OrgKind.YARD_COMMITTEE, f"{name}楼院自治委员会", estate_id=estates[name].pk)
        owners = list(Person.objects.filter(ownerships__unit__estate=estates[name]).distinct()[:3])
        _seat(yard, [(owners[0].pk, MemberRole.CHAIR)] + [(p.pk, MemberRole.MEMBER) for p in owners[1:]])
    org(OrgKind.OWNERS_COMMITTEE, "光华小区业主委员会", estate_id=estates["光华小区"].pk)
    yiwu_company = org(OrgKind.PROPERTY_COMPANY, "安阳义乌城物业服务有限公司", estate_id=yiwu.pk)
    pacific_company = org(OrgKind.PROPERTY_COMPANY, "太平洋物业服务有限公司", estate_id=pacific.pk)
    service_co = org(OrgKind.COMMUNITY_SERVICE_COMPANY, "安和苑社区为民服务有限责任公司", community_id=w.anhe.pk)
    for estate, company in ((yiwu, yiwu_company), (pacific, pacific_company), (yucai, service_co), (fangzhi, service_co)):
        bodies.service_contract_create(None, estate_id=estate.pk, company_id=company.pk, start=TERM_START)
    officers = {}
    w.departments = {}
    for name, duty, username, officer in DEPARTMENTS:
        dept = Organisation(kind=OrgKind.DEPARTMENT, name=name, district=w.district, responsibilities=[duty])
        core.record_save(None, dept, scope_ids=(None, None))
        w.departments[name] = dept
        if username is None:
            continue
        user = login(username, officer)
        grant(user, Role.DEPARTMENT_OFFICER, w.district)
        person = people.person_create(None, name=user.first_name, community_id=w.mingfu.pk)
        people.person_link_user(None, person_id=person.pk, user_id=user.pk)
        officers[user.first_name] = person
        _seat(dept, [(person.pk, MemberRole.MANAGER)])
    for kind, name, members in PLATFORMS:
        platform = org(kind, name, community_id=w.mingfu.pk)
        seated = [officers.get(n) or people.person_create(None, name=n, community_id=w.mingfu.pk) for n in members]
        _seat(platform, [(seated[0].pk, MemberRole.MANAGER)] + [(p.pk, MemberRole.MEMBER) for p in seated[1:]])
        bodies.platform_serve(None, organisation_id=platform.pk, estate_ids=[yiwu.pk, pacific.pk])
    partner = org(OrgKind.PARTNER_UNIT, "国网文峰供电服务中心", community_id=w.mingfu.pk)
    for party, other in ((mingfu_party, yiwu_company), (mingfu_party, pacific_company), (mingfu_party, partner),
                         (anhe_party, service_co)):
        bodies.agreement_sign(None, party_organisation_id=party.pk, partner_id=other.pk, signed_on=TERM_START,
                              content="党建共建：联合巡查、联席会议、共办民生实事")

    committee = w.pacific_committee
    zhao = committee[0]
    _seat(pacific_oc, [(zhao.pk, MemberRole.CHAIR), (committee[1].pk, MemberRole.VICE_CHAIR)]
          + [(p.pk, MemberRole.MEMBER) for p in committee[2:]])
    _seat(pacific_branch, [(zhao.pk, MemberRole.SECRETARY), (committee[1].pk, MemberRole.MEMBER),
                           (committee[2].pk, MemberRole.MEMBER)])
    yiwu_owners = [owner_of(yiwu, code) for code in ("1-1-101", "3-2-1101", "5-1-302", "8-1-605", "12-2-901")]
    _seat(yiwu_pmc, [(w.cadres[0].pk, MemberRole.CHAIR), (w.cadres[1].pk, MemberRole.VICE_CHAIR)]
          + [(p.pk, MemberRole.MEMBER) for p in yiwu_owners])
