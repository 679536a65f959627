"""gongzhi device_simulate: post realistic signed device events to a running server (or, with --direct,
through the service in this process), for the demo and tests. Load only ever goes where --url says
(127.0.0.1 by default), at a bounded rate, and stops after --events or --seconds."""

import random
import time

from django.core.management.base import BaseCommand, CommandError

from gongzhi.requests import simulator
from gongzhi.requests.models import Device

NO_DEVICES = "没有找到启用的设备 / No active devices found"


class Command(BaseCommand):
    help = "模拟小区设备上报签名事件 / Post realistic signed events from the estates' devices"

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="服务器地址 / the server (default 127.0.0.1:8000)")
        parser.add_argument("--estate", help="只用该小区的设备（小区名称）/ only this estate's devices (its name)")
        parser.add_argument("--device", action="append", default=[], help="设备编号，可多次 / a device uid (repeatable)")
        parser.add_argument("--events", type=int, default=20, help="事件数 / how many events (default 20)")
        parser.add_argument("--rate", type=float, default=10.0, help="每秒最多 / events per second at most (default 10)")
        parser.add_argument("--seconds", type=float, default=60.0, help="最长运行秒数 / stop after (default 60)")
        parser.add_argument("--threads", type=int, default=4, help="并发连接 / connections at once (default 4)")
        parser.add_argument("--heartbeats", type=float, default=0.2, help="心跳比例 / share of heartbeats")
        parser.add_argument("--images", type=float, default=0.05, help="附图比例 / share with a snapshot")
        parser.add_argument("--replays", type=float, default=0.0, help="原样重发比例 / share resent verbatim (409)")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--direct", action="store_true", help="不经 HTTP，直接调用服务 / through the service, no HTTP")

    def handle(self, *args, url, estate, device, events, rate, seconds, threads, heartbeats, images, replays, seed,
               direct, **options):
        if events < 1 or rate <= 0 or seconds <= 0:
            raise CommandError("--events、--rate、--seconds 须为正数 / must be positive")
        devices = Device.objects.filter(active=True).select_related("estate")
        if estate:
            devices = devices.filter(estate__name=estate)
        if device:
            devices = devices.filter(uid__in=device)
        devices = list(devices.order_by("pk"))
        if not devices:
            raise CommandError(NO_DEVICES)
        rng = random.Random(seed)
        planned = simulator.plan(devices, events, rng=rng, heartbeat_share=heartbeats, image_share=images,
                                 replay_share=replays)
        if direct:
            began = time.monotonic()
            outcome = simulator.receive_directly(planned)
            took = time.monotonic() - began
        else:
            outcome, took = simulator.send(url, planned, rate=rate, threads=threads,
                                           deadline=time.monotonic() + seconds)
        sent = sum(outcome.statuses.values())
        statuses = " ".join(f"{code}×{n}" for code, n in sorted(outcome.statuses.items()))
        self.stdout.write(
            f"{len(devices)} 台设备 / devices · 发送 / sent {sent} 条 in {took:.1f} s ({sent / max(took, 1e-9):.0f}/s) · "
            f"{statuses} · 新诉求 / new requests {outcome.created} · 合并 / merged {outcome.merged} · "
            f"心跳 / heartbeats {outcome.heartbeats}")
        for error in outcome.errors:
            self.stdout.write(f"  {error}")
