"""Benchmark: smart-estate device intake over real HTTP (issue 21 target: at least 200 signed events/s on
PostgreSQL, de-duplication included, no event lost or double-counted under concurrency).

Run by hand, not in CI:  .venv/bin/python bench/devices.py
Needs PostgreSQL (DATABASE_URL of a database it may fill, default
postgresql://postgres@127.0.0.1:5432/gongzhi_bench_devices, created if missing). Starts `gongzhi serve`
(gunicorn, its default workers or BENCH_WORKERS) on 127.0.0.1 only, sends a bounded number of events (BENCH_EVENTS, default
6000) at a bounded rate (BENCH_RATE, default 400/s) for at most BENCH_SECONDS (default 30) from
BENCH_THREADS (default 16) connections at a time over BENCH_DEVICES devices (default 100), then stops the server and checks the database:

- every event answered 201 is one DeviceEvent row, and no other row was written;
- every verbatim resend (BENCH_REPLAYS of the events, default 10%) was refused with 409;
- the events of one device and kind (all inside the merge window) are one request, whose count is exactly
  the number of its accepted events.

The bodies are built and signed before the timed run, and each sending thread keeps one connection. Since the
host may be shared, it prints the load average before and after, and the CPU per event of the server
(gunicorn's master and workers), of PostgreSQL's backends for the database and of this client: figures
that a busy host does not change much, unlike the events per second. BENCH_EVENTS=2000 BENCH_SECONDS=600
sends every event, so two runs compare the same mix (about a fifth of the events open a request).
"""

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = int(os.environ.get("BENCH_PORT", 8766))
EVENTS = int(os.environ.get("BENCH_EVENTS", 6000))
RATE = float(os.environ.get("BENCH_RATE", 400))
SECONDS = float(os.environ.get("BENCH_SECONDS", 30))
THREADS = int(os.environ.get("BENCH_THREADS", 16))
DEVICES = int(os.environ.get("BENCH_DEVICES", 100))
WORKERS = os.environ.get("BENCH_WORKERS", "")  # gunicorn workers; default gongzhi serve's (2 × cores + 1)
REPLAYS = float(os.environ.get("BENCH_REPLAYS", 0.1))
# Seconds the client waits for an answer: on a busy host a request queued behind a gunicorn worker's
# restart (--max-requests) can wait several seconds; an answer that never comes still fails the run.
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", 60))
TARGET = 200


def setup():
    """Migrate, make a small estate with its staff, and register the devices (once)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from gongzhi.core.roles import Role
    from gongzhi.people.services import role_assign
    from gongzhi.places import services as places
    from gongzhi.places.models import Building, Estate
    from gongzhi.requests import services
    from gongzhi.requests.choices import OPEN_STATUSES, Status
    from gongzhi.requests.models import Device, Request

    estate = Estate.objects.filter(name="设备压测小区").first()
    if estate is None:
        district = places.place_create(None, kind="district", name="设备压测区")
        sub = places.place_create(None, kind="subdistrict", name="设备压测街道", parent_id=district.pk)
        community = places.place_create(None, kind="community", name="设备压测社区", parent_id=sub.pk)
        estate = places.place_create(None, kind="estate", name="设备压测小区", parent_id=community.pk)
        places.estate_update(None, estate_id=estate.pk, property_service="property_company")
        for code in range(1, 11):
            Building.objects.create(estate=estate, code=str(code))
        for username, role in (("bench-dev-property", Role.PROPERTY_STAFF), ("bench-dev-grid", Role.GRID_WORKER)):
            user = get_user_model().objects.create_user(username, first_name=username)
            role_assign(None, user_id=user.pk, role=role, anchor_field="estate", anchor_id=estate.pk)
    buildings = list(estate.buildings.order_by("pk"))
    for n in range(Device.objects.filter(estate=estate).count(), DEVICES):
        services.device_register(None, estate_id=estate.pk, name=f"压测设备{n + 1}", kind="voice",
                                 location=f"{buildings[n % len(buildings)].code}号楼旁",
                                 building_id=buildings[n % len(buildings)].pk,
                                 event_kinds=["drowning", "high_throw", "waste_sorting", "illegal_parking"])
    # A run starts clean: the last run's requests are closed, so nothing merges into them.
    Request.objects.filter(estate=estate, status__in=OPEN_STATUSES).update(status=Status.CLOSED)
    return list(Device.objects.filter(estate=estate, active=True).order_by("pk")[:DEVICES])


def start_server(env) -> subprocess.Popen:
    import urllib.request

    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gongzhi"), "serve", "--bind", f"127.0.0.1:{PORT}",
         *(["--workers", WORKERS] if WORKERS else [])],
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):  # up to two minutes: a busy host starts the workers slowly
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/open311/v2/discovery.json", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise SystemExit("gongzhi serve did not start")


def stop(server: subprocess.Popen) -> None:
    """gunicorn finishes what it holds (up to its graceful timeout), then goes; killed if it does not."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(45)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)


def server_cpu(server: subprocess.Popen) -> float:
    """CPU seconds (user + system) the server has used so far: its live processes (the gunicorn master and
    workers, all in its session) and the workers the master has reaped (max-requests restarts), from /proc."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) != server.pid:  # not in the server's session
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if int(entry.name) == server.pid:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime: reaped workers
    return total / os.sysconf("SC_CLK_TCK")


def database_cpu(name: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving the database `name` (when it runs on this host)."""
    seconds = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if f" {name} " not in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[int(entry.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="gongzhi-bench-devices-")
    url = os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/gongzhi_bench_devices")
    if not url.startswith("postgres"):
        raise SystemExit("PostgreSQL only: set DATABASE_URL")
    name = url.rsplit("/", 1)[1]
    subprocess.run(["psql", url.rsplit("/", 1)[0] + "/postgres", "-qc", f"CREATE DATABASE {name}"], capture_output=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    os.environ.setdefault("GONGZHI_DEMO", "1")
    os.environ.setdefault("GONGZHI_DEVICE_KEY", "bench-device-key-" + "x" * 40)  # the server derives the same secrets
    os.environ.setdefault("GONGZHI_LOG_KEY_FILE", f"{workdir}/key.pem")
    os.environ.setdefault("GONGZHI_MEDIA_ROOT", f"{workdir}/media")
    os.environ.setdefault("GONGZHI_VAR_DIR", f"{workdir}/var")
    devices = setup()

    from django.db.models import Count, Sum

    from gongzhi.requests import simulator
    from gongzhi.requests.models import DeviceEvent, DeviceIncident

    rng = random.Random(20261207)
    planned = simulator.plan(devices, EVENTS, rng=rng, heartbeat_share=0.1, image_share=0.0, replay_share=REPLAYS)
    bodies = Counter(body for _, body, _ in planned)
    distinct, resent = len(bodies), EVENTS - len(bodies)
    events_before = DeviceEvent.objects.count()
    heartbeats_before = DeviceEvent.objects.filter(incident__isnull=True).count()
    incidents_before = set(DeviceIncident.objects.values_list("pk", flat=True))

    env = {**os.environ, "GONGZHI_DEBUG": "0", "PYTHONPATH": str(ROOT)}
    server = start_server(env)
    warm = planned[:50]
    try:
        warmed, _ = simulator.send(f"http://127.0.0.1:{PORT}", warm, rate=50, threads=4)  # imports, connections
        db_name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
        load_before, cpu_before, mine_before = os.getloadavg(), server_cpu(server), os.times()
        db_before = database_cpu(db_name)
        outcome, took = simulator.send(f"http://127.0.0.1:{PORT}", planned[50:], rate=RATE, threads=THREADS,
                                       deadline=time.monotonic() + SECONDS, timeout=TIMEOUT)
        cpu, mine, load_after = server_cpu(server) - cpu_before, os.times(), os.getloadavg()
        db_cpu = sum(t - db_before.get(pid, 0.0) for pid, t in database_cpu(db_name).items())
    finally:
        stop(server)

    answered = sum(outcome.statuses.values())
    rate = answered / took
    ms = [x * 1000 for x in outcome.latencies]
    print(f"gongzhi serve (gunicorn, {WORKERS or 'default'} workers) on 127.0.0.1, PostgreSQL, {len(devices)} devices, "
          f"{THREADS} connections, offered at most {RATE:.0f}/s for at most {SECONDS:.0f} s")
    print(f"  answered {answered} signed events in {took:.1f} s = {rate:.0f} events/s   (target >= {TARGET}/s)  "
          f"[{' '.join(f'{c}x{n}' for c, n in sorted(outcome.statuses.items()))}]")
    print(f"  accepted (201) {outcome.statuses[201] / took:.0f}/s, refused replays (409) {outcome.statuses[409] / took:.0f}/s;"
          f" latency p50 {percentile(ms, 50):.1f} ms, p90 {percentile(ms, 90):.1f} ms, p99 {percentile(ms, 99):.1f} ms")

    client = (mine.user + mine.system) - (mine_before.user + mine_before.system)
    print(f"  CPU per event: server {cpu / max(answered, 1) * 1000:.2f} ms (gunicorn master and workers, "
          f"{cpu:.1f} s), PostgreSQL {db_cpu / max(answered, 1) * 1000:.2f} ms (its backends for {db_name}), "
          f"this client {client / max(answered, 1) * 1000:.2f} ms; load average before "
          f"{' '.join(f'{x:.2f}' for x in load_before)}, after {' '.join(f'{x:.2f}' for x in load_after)} "
          f"({os.cpu_count()} cores)")

    # --- nothing lost, nothing counted twice -------------------------------------------------------------
    sent = warm + planned[50:50 + answered]  # the sender takes the events in order: what it sent is a prefix
    sent_distinct = len({body for _, body, _ in sent})
    accepted = warmed.statuses[201] + outcome.statuses[201]
    refused = warmed.statuses[409] + outcome.statuses[409]
    new_events = DeviceEvent.objects.count() - events_before
    new_incidents = DeviceIncident.objects.exclude(pk__in=incidents_before)
    merged = new_incidents.aggregate(n=Sum("count"))["n"] or 0
    per_incident = dict(DeviceEvent.objects.filter(incident__in=new_incidents).values_list("incident")
                        .annotate(n=Count("pk")).values_list("incident", "n"))
    miscounted = [i.pk for i in new_incidents if per_incident.get(i.pk, 0) != i.count]
    pairs = DeviceEvent.objects.filter(incident__in=new_incidents).values("device", "kind").distinct().count()
    heartbeats = DeviceEvent.objects.filter(incident__isnull=True).count() - heartbeats_before
    checks = {
        "no answer but 201 and 409 (no error, nothing lost in transit)": set(warmed.statuses) | set(outcome.statuses)
        <= {201, 409},
        "each distinct event accepted exactly once": accepted == sent_distinct,
        "each accepted event stored exactly once": new_events == accepted,
        "each verbatim resend refused (409)": refused == len(sent) - sent_distinct,
        "request counts add up to the accepted events (heartbeats aside)": merged == new_events - heartbeats,
        "each request's count = its stored events": not miscounted,
        "one request per device and kind inside the window": new_incidents.count() == pairs,
    }
    print(f"  planned {EVENTS}: {distinct} distinct, {resent} verbatim resends; sent {len(sent)} "
          f"(with 50 to warm up): stored {new_events} events ({heartbeats} heartbeats) in "
          f"{new_incidents.count()} requests whose counts sum to {merged}")
    for label, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {label}")
    for error in [e for e in outcome.errors if not e.startswith("409 ")]:  # the replays' 409s are expected
        print(f"  e.g. {error}")
    print(f"RESULT {'PASS' if all(checks.values()) and rate >= TARGET else 'FAIL'}: {rate:.0f} signed events/s")


if __name__ == "__main__":
    main()
