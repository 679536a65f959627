"""Requests' slice of the demo: Four months of residents' requests in 义乌城 and 太平洋花园 (and the same months last year, a
    quarter more: complaints −20%), each through the services at its own time; then the showcase:
    王阿姨's corridor light waiting for her confirmation, a parking dispute at the subdistrict with
    two departments summoned (one has not reported), a noise complaint waiting for building head 陈,
    a reopened leak, a patrol's flying-wire emergency, a road problem up to the 包保 cadre, micro-wishes
    at every step, and the Open311 jurisdiction `guanghualu` with key GONGZHI-DEMO-KEY; 义乌城's smart devices
    (防溺水, 高空抛物, 垃圾分类, 违停) with today's events, and one that went quiet."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from gongzhi.bodies.models import MemberRole, Membership, Organisation, OrgKind
from gongzhi.core import clock
from gongzhi.core import services as core
from gongzhi.core.models import Notification
from gongzhi.people import services as people
from gongzhi.places.models import Estate
from gongzhi.requests import jobs, simulator
from gongzhi.requests import services as req
from gongzhi.requests.models import Channel, Request
from gongzhi.requests.routing import Category
from gongzhi.requests.services import orders


def load(w) -> None:
    """`w` is the demo world (gongzhi.demo): the places and personas loaded before this slice."""
    _load(w.sub, w.district)


def _load(sub, district) -> None:
    """Four months of residents' requests in 义乌城 and 太平洋花园 (and the same months last year, a
    quarter more: complaints −20%), each through the services at its own time; then the showcase:
    王阿姨's corridor light waiting for her confirmation, a parking dispute at the subdistrict with
    two departments summoned (one has not reported), a noise complaint waiting for building head 陈,
    a reopened leak, a patrol's flying-wire emergency, a road problem up to the 包保 cadre, micro-wishes
    at every step, and the Open311 jurisdiction `guanghualu` with key GONGZHI-DEMO-KEY."""

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

    _devices(yiwu, now, at)
    jobs.sweep()
    # The months replayed above notified people as they went; those messages are old news.
    history = [f"/requests/{pk}/" for pk in Request.objects.filter(created_at__lt=now - 10 * day)
               .values_list("pk", flat=True)]
    transaction.on_commit(lambda: Notification.objects.filter(link__in=history).update(read_at=clock.now()))


# 义乌城's smart devices (Chenzhou's 防溺水 / 高空抛物 / 垃圾分类 / 车辆违停 terminals): what each reported in the
# last hours, through the signed intake (repeats merge into one request), and a terminal silent for 3 hours.
DEVICES = [
    # name, kind, building code or "", location, event kinds, quiet minutes, events (hours ago, kind, detail)
    ("景观水塘防溺水语音桩", "voice", "", "小区中心景观水塘北岸", ["drowning"], 60,
     [(5.5, "drowning", "检测到儿童在水塘边逗留，已语音劝离"), (5.45, "drowning", "两名儿童翻越护栏靠近水面")]),
    ("5号楼高空抛物监测", "camera", "5", "5号楼南侧仰拍", ["high_throw"], 60,
     [(26, "high_throw", "识别到窗口抛出塑料袋"), (25.9, "high_throw", "楼下草坪有坠落物"),
      (25.8, "high_throw", "监测到高层有物体坠落"), (2, "high_throw", "识别到窗口抛出塑料袋")]),
    ("9号楼垃圾分类督导屏", "camera", "9", "9号楼东侧垃圾分类投放点", ["waste_sorting"], 120,
     [(7.5, "waste_sorting", "厨余垃圾投入其他垃圾桶"), (7.3, "waste_sorting", "垃圾袋未破袋投放"),
      (7.1, "waste_sorting", "厨余垃圾投入其他垃圾桶"), (6.9, "waste_sorting", "非投放时段在投放点堆放垃圾"),
      (1.5, "waste_sorting", "垃圾袋未破袋投放")]),
    ("北门消防通道违停识别", "camera", "", "北门消防通道", ["illegal_parking"], 60,
     [(3, "illegal_parking", "消防通道停放车辆超过 10 分钟"), (2.8, "illegal_parking", "消防通道停放车辆超过 10 分钟")]),
    ("西门水渠防溺水语音桩", "voice", "", "西门外排水渠护栏", ["drowning"], 60, []),
]


def _devices(yiwu, now, at) -> None:
    rng = random.Random(2021)
    hour = datetime.timedelta(hours=1)
    secrets: dict = {}
    for name, kind, building, location, kinds, quiet, events in DEVICES:
        with at(now - 30 * 24 * hour):
            device, _ = req.device_register(
                None, estate_id=yiwu.pk, name=name, kind=kind, location=location, event_kinds=kinds,
                building_id=yiwu.buildings.get(code=building).pk if building else None, quiet_minutes=quiet)
        beats = [(h, "heartbeat", "") for h in range(6, -1, -1)] if events else [(3, "heartbeat", "")]
        for hours_ago, event_kind, detail in sorted(events + beats, key=lambda e: -e[0]):
            when = now - hours_ago * hour
            with at(when):
                body = simulator.event_body(device, event_kind, rng=rng, at=when, detail=detail)
                req.device_event_receive(body, simulator.signed(device, body, secrets))
    jobs.devices_quiet(now=now)
