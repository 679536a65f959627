"""Grid work's slice of the demo: a month of 两巡 and 两访 in 明福社区. 义乌城小区's grid worker 马丽
walks her route every three days and the property company (张海涛) its own every day, 太平洋花园's
company (王建伟) every two days; a few periods were missed (flagged by the sweep), findings were
turned into requests. 义乌城's register of special populations is visited by 马丽 and one 中心户 party
member (何敏), 太平洋花园's by 陈 (中心户) — one elderly resident living alone is overdue. The rules library:
太平洋花园's 居民公约 in two versions (the second adds two articles) and its 管理规约 drafted, waiting for the
owners' vote; 明福社区's duties list. Everything goes through the services, backdated with the clock."""

import datetime

from django.contrib.auth import get_user_model

from gongzhi.core import clock
from gongzhi.grid import services as grid
from gongzhi.grid.choices import AdoptedBy, MarkHow, Patroller, RuleKind, SpecialGroup, VisitHow
from gongzhi.grid.models import PatrolPlan
from gongzhi.people.choices import PersonKind
from gongzhi.people.demo import owner_of
from gongzhi.places.models import Building

DAYS = 30
YIWU_GRID_ROUTE = ["东门岗亭", "5号楼", "9号楼", "电动车充电棚", "垃圾分类点", "地下车库入口"]
YIWU_PROPERTY_ROUTE = ["东门", "中心花园", "地下车库", "西门"]
PACIFIC_BUILDINGS = ["1", "3", "6", "9", "11"]
# (plan's route index, days back, note, category to raise or None)
YIWU_FINDINGS = [
    (3, 26, "充电棚外有电动车飞线充电，插线板拖在地上", "flying_wire"),
    (5, 17, "地下车库入口两盏照明灯不亮", "lighting"),
    (4, 11, "垃圾分类点厨余桶满溢，未及时清运", "cleaning"),
    (1, 5, "5号楼一单元门禁闭门器损坏，门关不严", None),
]
# 义乌城's register: (unit, group, visited by, days between the demo's visits, days since last met)
YIWU_REGISTER = [
    ("2-1-101", SpecialGroup.ELDERLY_ALONE, "wanggeyuan", "独居，子女在外地，高血压"),
    ("3-2-602", SpecialGroup.ELDERLY_ALONE, "wanggeyuan", "独居，行动不便，住六楼"),
    ("6-1-201", SpecialGroup.EMPTY_NEST, "dangyuan", "老两口同住，子女在郑州"),
    ("8-1-301", SpecialGroup.DISABLED, "wanggeyuan", "肢体残疾，需轮椅出行"),
    ("11-2-102", SpecialGroup.HARDSHIP, "wanggeyuan", "低保户"),
    ("14-1-1001", SpecialGroup.WATCH, "wanggeyuan", "独居，精神状况需关注"),
]
PACIFIC_REGISTER = [("3-1-302", SpecialGroup.ELDERLY_ALONE, "chen", "独居老人，陈国平的联系户")]


def _at(day: datetime.date, hhmm: str) -> datetime.datetime:
    return clock.at(day, datetime.time.fromisoformat(hhmm))


def load(w) -> None:
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["wanggeyuan", "zhangjingli", "wangjingli", "shequ", "dangyuan", "chen"])}
    today = clock.today()
    start = today - datetime.timedelta(days=DAYS)
    with clock.frozen(_at(start, "08:00")):
        yiwu_grid = grid.patrol_plan_create(users["shequ"], estate_id=w.yiwu.pk, title="网格员日常巡查",
                                            patroller=Patroller.GRID, every_days=3, starts_on=start,
                                            assignee_id=users["wanggeyuan"].pk, checkpoints=YIWU_GRID_ROUTE)
        yiwu_property = grid.patrol_plan_create(users["zhangjingli"], estate_id=w.yiwu.pk, title="物业每日巡查",
                                                patroller=Patroller.PROPERTY, every_days=1, starts_on=start,
                                                checkpoints=YIWU_PROPERTY_ROUTE)
        pacific_property = grid.patrol_plan_create(users["wangjingli"], estate_id=w.pacific.pk, title="物业楼栋巡查",
                                                   patroller=Patroller.PROPERTY, every_days=2, starts_on=start)
        for code in PACIFIC_BUILDINGS:
            grid.checkpoint_add(users["wangjingli"], patrol_plan_id=pacific_property.pk, name="",
                                building_id=Building.objects.get(estate=w.pacific, code=code).pk)
    findings = {today - datetime.timedelta(days=back): (index, note, category)
                for index, back, note, category in YIWU_FINDINGS}
    _walk(yiwu_grid, users["wanggeyuan"], start, today, skip={2, 7}, findings=findings, hour="09:00")
    _walk(yiwu_property, users["zhangjingli"], start, today, skip={4, 13, 22}, hour="07:30")
    _walk(pacific_property, users["wangjingli"], start, today, skip={9}, hour="08:00")
    with clock.frozen(min(_at(today, "00:20"), clock.now())):
        grid.missed_patrols_flag(None)
    _visits(w, users, start, today)
    _rules(w, today)


def _walk(plan: PatrolPlan, user, start, today, *, skip: set[int], hour: str, findings=None) -> None:
    """Every period of the plan that has ended (the current one is still to do), but those skipped."""
    route = list(plan.checkpoints.order_by("position"))
    findings = findings or {}
    period, n = start, 0
    while period + datetime.timedelta(days=plan.every_days) <= today:
        if n not in skip:
            with clock.frozen(_at(period, hour)):
                patrol = grid.patrol_start(user, patrol_plan_id=plan.pk)
            for i, checkpoint in enumerate(route):
                with clock.frozen(_at(period, hour) + datetime.timedelta(minutes=6 * (i + 1))):
                    if i % 3 == 2:
                        grid.patrol_mark(user, patrol_id=patrol.pk, checkpoint_id=checkpoint.pk, how=MarkHow.TAP)
                    else:
                        grid.checkpoint_scan(user, checkpoint_id=checkpoint.pk)
            for day in [d for d in findings if period <= d < period + datetime.timedelta(days=plan.every_days)]:
                index, note, category = findings[day]
                with clock.frozen(_at(period, hour) + datetime.timedelta(minutes=40)):
                    finding = grid.finding_record(user, patrol_id=patrol.pk, note=note,
                                                  checkpoint_id=route[index].pk)
                    if category:
                        grid.finding_raise(user, finding_id=finding.pk, category=category)
            with clock.frozen(_at(period, hour) + datetime.timedelta(minutes=50)):
                grid.patrol_finish(user, patrol_id=patrol.pk)
        period += datetime.timedelta(days=plan.every_days)
        n += 1


def _visits(w, users, start, today) -> None:
    since = start - datetime.timedelta(days=5)
    with clock.frozen(_at(since, "10:00")):
        grid.visit_frequency_set(users["shequ"], community_id=w.mingfu.pk, group=SpecialGroup.HARDSHIP, every_days=15)
        registered = []
        for code, group, visitor, note in YIWU_REGISTER:
            registered.append(_register(users["wanggeyuan"], w.yiwu, code, group, users[visitor], note, since))
        for code, group, visitor, note in PACIFIC_REGISTER:
            registered.append(_register(users["shequ"], w.pacific, code, group, users[visitor], note, since))
    for special in [s for s in registered if s is not None]:
        visitor = special.visitor
        every = grid.selectors.frequencies(special.estate.community_id)[special.group]
        # the overdue one: 3-2-602, last met twelve days ago
        last = today - datetime.timedelta(days=12) if special.unit.code == "3-2-602" else today - datetime.timedelta(days=2)
        day, visits = last, []
        while day >= start:
            visits.append(day)
            day -= datetime.timedelta(days=every)
        for i, day in enumerate(sorted(visits)):
            how = VisitHow.PHONE if i % 4 == 3 else VisitHow.HOME
            needs = ""
            if special.unit.code == "2-1-101" and i == 1:
                needs = "厨房水龙头漏水，老人自己修不了"
            if special.unit.code == "8-1-301" and i == 0:
                needs = "希望有志愿者每月上门理发"
            with clock.frozen(_at(day, "15:00")):
                if special.unit.code == "14-1-1001" and i == 0:  # nobody home first; met the next day
                    grid.visit_record(visitor, special_person_id=special.pk, how=VisitHow.ABSENT, on=day,
                                      note="敲门无人应答")
                visit = grid.visit_record(visitor, special_person_id=special.pk, how=how, on=day,
                                          note="身体状况良好" if not needs else "", needs=needs)
                if needs.startswith("厨房"):
                    grid.visit_raise(visitor, visit_id=visit.pk, category="pipes")
                elif needs:
                    grid.visit_order(visitor, visit_id=visit.pk)
    for back, code, note in [(24, "1-1-301", "新入住租户，登记信息"), (15, "7-2-801", "宣传垃圾分类"),
                             (9, "10-1-502", "了解加装电梯意愿"), (3, "12-2-1103", "反映楼道堆物，已劝导清理")]:
        day = today - datetime.timedelta(days=back)
        unit = w.yiwu.units.filter(code=code).first()
        if unit is not None:
            with clock.frozen(_at(day, "16:00")):
                grid.home_visit_record(users["wanggeyuan"], estate_id=w.yiwu.pk, unit_id=unit.pk, how=VisitHow.HOME,
                                       on=day, note=note)


def _register(actor, estate, code, group, visitor, note, since):
    unit = estate.units.filter(code=code).first()
    if unit is None:
        return None
    person = owner_of(estate, code)
    if person.kind != PersonKind.NATURAL:
        return None
    return grid.special_person_add(actor, estate_id=estate.pk, person_id=person.pk, unit_id=unit.pk, group=group,
                                   visitor_id=visitor.pk, note=note, since=since)


CONVENTION_V1 = ["爱护公共设施，不占用消防通道。", "不高空抛物，不乱扔垃圾。", "电动车不进楼道、不飞线充电。",
                 "文明养犬，出门牵绳，及时清理。"]
CONVENTION_V2 = [*CONVENTION_V1[:3], "文明养犬，出门牵绳，及时清理犬只粪便；大型犬不进电梯。", "垃圾分类投放，定时定点。",
                 "邻里互助，关心独居老人。"]
# The community's duties in estates without property service (the seeds' list of 15, abridged to its heads).
DUTIES = ["组织居民制定居民公约", "协调解决小区公共事务", "督促落实环境卫生", "组织开展平安巡查", "走访特殊人群",
          "调解邻里纠纷", "组织志愿服务", "宣传政策法规", "收集居民诉求", "协助公共设施维护", "组织文体活动",
          "协助做好消防安全", "协助做好疫情防控", "公开小区公共事务", "接受居民监督评议"]

SEAL_RULES = ["业主大会印章、业委会印章存放于社区代管箱，由社区指定专人保管。", "每次用印须填写用印审批单，写明用印文件和事由。",
              "用印审批单须经业委会主任、社区工作人员签字同意后方可用印。", "三重一大事项用印须同时加盖业主大会、业委会两枚印章（双章）。",
              "用印后将盖章文件扫描存档，印章当日归还。"]
CONDUCT_RULES = ["不准违规使用印章", "不准擅自处分共有资金", "不准收受利害关系人财物", "不准违规指定服务企业",
                 "不准利用职务谋取私利", "不准拖欠物业费", "不准泄露业主个人信息", "不准阻挠业主依法行使权利",
                 "不准拒不执行业主大会决定"]


def _numbered(lines) -> str:
    return "\n".join(f"第{i}条 {line}" for i, line in enumerate(lines, 1))


def _rules(w, today) -> None:
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["zhaozhuren", "shequ", "yanshuji"])}
    with clock.frozen(_at(today - datetime.timedelta(days=400), "10:00")):
        convention = grid.rule_document_create(users["zhaozhuren"], estate_id=w.pacific.pk, kind=RuleKind.CONVENTION,
                                               title="太平洋花园居民公约", text=_numbered(CONVENTION_V1),
                                               change_note="首次制定，经居民会议讨论")
        first = convention.versions.get(number=1)
    with clock.frozen(_at(today - datetime.timedelta(days=390), "10:00")):
        grid.rule_version_adopt(users["shequ"], rule_version_id=first.pk, adopted_by=AdoptedBy.COMMUNITY,
                                in_force_from=today - datetime.timedelta(days=385))
    with clock.frozen(_at(today - datetime.timedelta(days=40), "10:00")):
        second = grid.rule_version_propose(users["zhaozhuren"], rule_document_id=convention.pk,
                                           text=_numbered(CONVENTION_V2),
                                           change_note="养犬条款补充电梯规定；新增垃圾分类、关爱独居老人两条")
    with clock.frozen(_at(today - datetime.timedelta(days=20), "10:00")):
        grid.rule_version_adopt(users["shequ"], rule_version_id=second.pk, adopted_by=AdoptedBy.COMMUNITY,
                                in_force_from=today - datetime.timedelta(days=15))
    with clock.frozen(_at(today - datetime.timedelta(days=10), "10:00")):
        grid.rule_document_create(users["zhaozhuren"], estate_id=w.pacific.pk, kind=RuleKind.MANAGEMENT,
                                  title="太平洋花园管理规约", change_note="草案，待业主大会表决",
                                  text=_numbered(["业主应当遵守法律法规和本规约。", "维修资金的筹集、使用依法进行。",
                                                  "公共收益归全体业主所有，每季度公示。"]))
        # 一方案四章程's 印章管理制度 and the committee's 九不准: the rules the seal form and the reviews follow
        for kind, title, lines in ((RuleKind.SEALS, "太平洋花园印章管理制度", SEAL_RULES),
                                   (RuleKind.CONDUCT, "太平洋花园业委会成员九不准", CONDUCT_RULES)):
            doc = grid.rule_document_create(users["shequ"], estate_id=w.pacific.pk, kind=kind, title=title,
                                            text=_numbered(lines), change_note="依据一方案四章程制定")
            grid.rule_version_adopt(users["shequ"], rule_version_id=doc.versions.get(number=1).pk,
                                    adopted_by=AdoptedBy.COMMUNITY, in_force_from=today - datetime.timedelta(days=10))
        duties = grid.rule_document_create(users["yanshuji"], community_id=w.mingfu.pk, kind=RuleKind.DUTIES,
                                           title="明福社区无物业小区职责清单", text=_numbered(DUTIES))
        grid.rule_version_adopt(users["yanshuji"], rule_version_id=duties.versions.get(number=1).pk,
                                adopted_by=AdoptedBy.COMMUNITY, in_force_from=today - datetime.timedelta(days=10))
