"""Benchmark: residents' requests over real HTTP (issue 4 targets).

Run by hand, not in CI:  .venv/bin/python bench/requests_http.py
Needs PostgreSQL (DATABASE_URL of an empty database it may fill, default
postgresql://postgres@127.0.0.1:5432/gongzhi_bench, created if missing), gunicorn and wrk
(apt-get install wrk). Load only ever targets 127.0.0.1, and every run stops by itself.

1. Peak rate, same server, same run, in interleaved rounds: POST /api/v1/requests (token-authenticated,
   validated, routed, audited, notified) against POST /bench/bare/ (a bare Django view of this project
   that only inserts one row). Prints both rates and their ratio (target ≥ 50%).
   Three reference endpoints (bench/bare.py) show where an API write's time goes: the floor (token
   auth + JSON + the bare insert), the rows a submission must write through the ORM with nothing read,
   and the same rows in one hand-written SQL statement with the token checked by hand.
2. Latency at 70% of the API's peak rate, open loop (requests sent on a fixed schedule, latency
   counted from when each was due), three runs: p50/p90/p99 (target p99 < 100 ms).
"""

import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = 8765
DURATION = int(os.environ.get("BENCH_SECONDS", 10))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
LATENCY_SECONDS = int(os.environ.get("BENCH_LATENCY_SECONDS", 20))
LATENCY_RUNS = int(os.environ.get("BENCH_LATENCY_RUNS", 3))
ENDPOINTS = {"bare": "/bench/bare/", "floor": "/bench/ref/floor", "orm_writes": "/bench/ref/orm-writes",
             "sql_writes": "/bench/ref/sql-writes", "api": "/api/v1/requests"}
LABELS = {
    "bare": "bare view: one INSERT, no auth",
    "floor": "floor: token auth + JSON + that INSERT",
    "orm_writes": "auth + only a submission's 5 rows, ORM (nothing read)",
    "sql_writes": "token by hand + the 5 rows in one SQL statement",
    "api": "POST /api/v1/requests (the real thing)",
}
WORKERS = int(os.environ.get("BENCH_WORKERS", 4))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 16))


def setup(workdir: str) -> tuple[str, str]:
    """Migrate, seed a small world, and return (api token, JSON body)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from gongzhi.core.roles import Role
    from gongzhi.core.services import api_token_create
    from gongzhi.people.services import role_assign
    from gongzhi.places import services as places
    from gongzhi.places.models import Building, Estate, Unit

    estate = Estate.objects.filter(name="压测小区").first()
    if estate is None:
        district = places.place_create(None, kind="district", name="压测区")
        sub = places.place_create(None, kind="subdistrict", name="压测街道", parent_id=district.pk)
        community = places.place_create(None, kind="community", name="压测社区", parent_id=sub.pk)
        estate = places.place_create(None, kind="estate", name="压测小区", parent_id=community.pk)
        places.estate_update(None, estate_id=estate.pk, property_service="property_company")
        building = Building.objects.create(estate=estate, code="1")
        unit = Unit.objects.create(estate=estate, building=building, code="1-1-101", area="90.00")
        resident = get_user_model().objects.create_user("bench-resident", first_name="压测居民")
        role_assign(None, user_id=resident.pk, role=Role.OWNER, anchor_field="unit", anchor_id=unit.pk)
        staff = get_user_model().objects.create_user("bench-staff", first_name="压测物业")
        role_assign(None, user_id=staff.pk, role=Role.PROPERTY_STAFF, anchor_field="estate", anchor_id=estate.pk)
    resident = get_user_model().objects.get(username="bench-resident")
    token = api_token_create(resident, name="bench")
    os.environ["BENCH_USER"] = str(resident.pk)
    body = json.dumps({"estate_id": estate.pk, "category": "lighting", "description": "压测：楼道灯不亮",
                       "building_id": estate.buildings.first().pk}, ensure_ascii=False)
    return token, body


def start_server(env) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{PORT}", "--workers", str(WORKERS),
         "--worker-class", "sync", "--keep-alive", "5", "--log-level", "warning", "bench.bare:application"],
        cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            import urllib.request

            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/open311/v2/discovery.json", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def wrk(path: str, body: str, headers: dict, seconds: int) -> float:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    header_lines = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
    script.write_text(f'wrk.method = "POST"\nwrk.body = [[{body}]]\n{header_lines}')
    out = subprocess.run(["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "-s", str(script),
                          "--timeout", "5s", f"http://127.0.0.1:{PORT}{path}"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    script.unlink()
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{path}: {non2xx.group(1)} failed responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


async def open_loop(rate: float, seconds: int, body: bytes, headers: dict) -> list[tuple[int, float]]:
    """Send at a fixed rate whatever the answers do (open loop), each on its own connection (the
    sync workers close it after each answer); latency counted from when each request was due.
    Returns (second of the run it was due in, latency) pairs."""
    head = (f"POST /api/v1/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Connection: close\r\nContent-Length: {len(body)}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n")
    payload = head.encode() + body
    latencies, failures = [], []

    async def one(due: float):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
            writer.write(payload)
            answer = await reader.read()
            writer.close()
            if b" 201 " not in answer.split(b"\r\n", 1)[0]:
                failures.append(answer[:80])
            latencies.append((int(due - start), time.perf_counter() - due))
        except OSError as exc:
            failures.append(repr(exc).encode())

    start = time.perf_counter()
    tasks, n = [], 0
    while (due := start + n / rate) < start + seconds:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(one(due)))
        n += 1
    await asyncio.gather(*tasks)
    if failures:
        print(f"  {len(failures)} failed requests, e.g. {failures[0]!r}")
    return latencies


def per_second(latencies: list[tuple[int, float]]) -> list[int]:
    """The median latency of the requests due in each second: a slow stretch of the host shows as a
    run of high seconds, a slow endpoint as uniformly high ones."""
    seconds: dict[int, list[float]] = {}
    for second, latency in latencies:
        seconds.setdefault(second, []).append(latency)
    return [round(1000 * statistics.median(seconds[s])) for s in sorted(seconds)]


def steadiness(seconds: int = 8) -> list[int]:
    """How much one core gets done in each second on the otherwise idle machine (thousands of loop
    turns): a shared virtual machine's capacity moves from second to second, and a load fixed at 70% of
    the measured peak queues up whenever it drops by more than 30%."""
    turns = []
    for _ in range(seconds):
        end, n = time.perf_counter() + 1, 0
        while time.perf_counter() < end:
            n += 1
        turns.append(n // 1000)
    return turns


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    workdir = tempfile.mkdtemp(prefix="gongzhi-bench-http-")
    url = os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/gongzhi_bench")
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        subprocess.run(["psql", url.rsplit("/", 1)[0] + "/postgres", "-qc", f"CREATE DATABASE {name}"],
                       capture_output=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    os.environ.setdefault("GONGZHI_LOG_KEY_FILE", f"{workdir}/key.pem")
    os.environ.setdefault("GONGZHI_MEDIA_ROOT", f"{workdir}/media")
    token, body = setup(workdir)
    env = {**os.environ, "GONGZHI_DEBUG": "0", "PYTHONPATH": str(ROOT)}
    server = start_server(env)
    try:
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for path in ENDPOINTS.values():  # warm every path (imports, connections, caches)
            wrk(path, body, auth, 2)
        rates = {name: [] for name in ENDPOINTS}
        for _ in range(ROUNDS):  # interleaved, so that a slower minute of the machine hits all of them
            for name, path in ENDPOINTS.items():
                rates[name].append(wrk(path, body, auth, DURATION))
        bare = statistics.median(rates["bare"])
        print(f"{WORKERS} gunicorn sync workers, {CONNECTIONS} connections, PostgreSQL; "
              f"{ROUNDS} interleaved rounds of {DURATION} s each; medians (per-round figures in brackets)")
        for name, label in LABELS.items():
            rate = statistics.median(rates[name])
            rounds = ", ".join(f"{r:.0f}" for r in rates[name])
            print(f"  {label:58s} {rate:7.1f} req/s  {100 * rate / bare:5.1f} % of bare  [{rounds}]")
        ratios = [a / b for a, b in zip(rates["api"], rates["bare"], strict=True)]
        api = statistics.median(rates["api"])
        print(f"ratio POST /api/v1/requests : bare, median of the rounds: {100 * statistics.median(ratios):.1f} %"
              f"   (target >= 50 %)")
        turns = steadiness()
        print(f"one core's work per second while idle (thousand loop turns): min {min(turns)}, max {max(turns)} "
              f"({100 * min(turns) / max(turns):.0f} %) {turns}")
        rate = 0.7 * api
        for _ in range(LATENCY_RUNS):
            latencies = asyncio.run(open_loop(rate, LATENCY_SECONDS, body.encode(),
                                              {"Authorization": f"Bearer {token}"}))
            ms = [x * 1000 for _, x in latencies]
            print(f"at 70% = {rate:.0f} req/s for {LATENCY_SECONDS} s, {len(ms)} requests: "
                  f"p50 {percentile(ms, 50):.1f} ms, p90 {percentile(ms, 90):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
                  f"max {max(ms):.1f} ms (target p99 < 100 ms), mean {statistics.mean(ms):.1f} ms")
            print(f"    median latency second by second (ms): {per_second(latencies)}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


if __name__ == "__main__":
    main()
