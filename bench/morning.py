"""Benchmark: a 9 am mix on a seeded city over real HTTP with Locust (issue 24): staff sessions opening home pages,
lists, details and the dashboard, residents filing requests with a photo through the API, and a vote closing.

Run by hand, not in CI, on PostgreSQL holding the demo and a seeded city (the README's benchmark paragraph):
  .venv/bin/pip install -e '.[bench]'            # Locust
  export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/city2m GONGZHI_DEMO=1
  .venv/bin/python bench/morning.py --step        # the ladder of user counts (about 12 minutes)
  .venv/bin/python bench/morning.py --users 200 --seconds 120    # one rate
It starts `gongzhi serve` (gunicorn, its default workers or --workers) on 127.0.0.1 and stops it at the end, or
loads an already running server given by --url (127.0.0.1 or localhost only). Every run is bounded: a fixed number of
users, a fixed time per step, and a deadline after which Locust is stopped whatever it is doing.

The mix (every simulated user logs in once, at its start, and keeps its session or token):
- staff sessions (--users): the demo's staff personas, the six users bench/pages.py anchors in the seeded city and
  --staff-accounts more anchored there (property staff of the largest estates, community secretaries, subdistrict
  officers), shared round-robin. Each logs in through /login/, opens its home page, then every --think seconds opens
  one of its pages, the matrix's own (bench/pages.py `pages_for`, the admin's lists left out): a list (4 in 12),
  a request's or its estate's page (4 in 12), an API read (2 in 12), the dashboard (1 in 12; the home page for those
  without one) or the home page again (1 in 12);
- residents (--residents, one per ten staff sessions by default): owners of the city (and the demo's) who take an
  API token, then every --resident-think seconds file a request with a small JPEG photo (POST /api/v1/requests)
  and read it back and their list of requests (two API reads);
- one organiser closes one vote in the middle of each measured step (POST /api/v1/votes/{id}/close): the votes are
  made before the load, each announced 16 days earlier, its deadline just passed, with --ballots paper ballots
  entered and checked by two community staff (in the largest estates of the community of the city's largest estate).

With --step, the staff sessions climb a ladder (2, 5, 10, 20, 40, 70 and 100 % of --users, or the counts given; the
same users stay logged in, only the new ones log in), each step measured for --seconds once the new users have logged
in and --settle seconds have passed; the climb stops after a step with an error or with half of a page kind's answers
slower than its p95 target (more users would only queue longer) unless --keep-going. Per step it prints, per page kind
(home, list, detail, dashboard, API read, API write; logins and the vote's closing apart): requests/s, p50/p95/p99/max
and errors, against the targets (p95 < 200 ms for pages, < 100 ms for API reads, no error); the load average, the
CPU the server, PostgreSQL and this client used, the client's own scheduling lag, the median latency second by second
and the slowest pages (with the account that asked); and the CPU per request, a figure a busy host changes little,
with the rate this host's cores could serve at most, idle. Then a table of the steps and the highest rate that met
every target. The host's steadiness (one core's work per second, bench/requests_http.py) is printed before and after,
so that a stalled host shows as such.
"""

import argparse
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PAGE_KINDS = ("home", "list", "detail", "dashboard")
KINDS = (*PAGE_KINDS, "api read", "api write")
TARGETS = {**dict.fromkeys(PAGE_KINDS, 200.0), "api read": 100.0}  # p95, ms
STAFF_WEIGHTS = {"home": 1, "list": 4, "detail": 4, "api read": 2, "dashboard": 1}
LADDER = (0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 1.0)  # --step without counts: these shares of --users
RESIDENT_PERSONAS = ("wangayi", "lixiansheng", "zuhu")  # the demo's residents who file requests
CATEGORIES = ("lighting", "cleaning", "minor_repair", "lift", "pipes", "parking", "greenery", "noise")
DESCRIPTIONS = ("楼道灯不亮，晚上回家看不见台阶。", "单元门口有垃圾堆放，气味很大。", "电梯按钮失灵，请尽快维修。",
                "楼下绿化带的树枝挡住了路灯。", "地下室有积水，怀疑水管渗漏。", "小区门口车辆乱停，消防通道被堵。")
PASSWORD = "bench"  # the anchored users' (bench/pages.py's and ours); the demo's personas use DEMO_PASSWORD


# --- before the load: the users, their pages, the votes (Django, in this process) ---------------------------------
def _anchored(username: str, password_hash: str, role: str, field: str, anchor: int, person_id: int | None = None,
              **valid):
    """A user with one role at one anchor (made once, like bench/pages.py's), through the people services."""
    from django.contrib.auth import get_user_model

    from gongzhi.people.services import person_link_user, role_assign

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = get_user_model().objects.create(username=username, password=password_hash, first_name=username)
        role_assign(None, user_id=user.pk, role=role, anchor_field=field, anchor_id=anchor, **valid)
        if person_id is not None:
            person_link_user(None, person_id=person_id, user_id=user.pk)
    return user


def _city_staff(count: int) -> list:
    """More staff anchored in the seeded city: property staff of its largest estates, community secretaries and
    subdistrict officers, in turns (none when no city is seeded)."""
    from django.contrib.auth.hashers import make_password

    from gongzhi.core.roles import Role
    from gongzhi.places.models import Community, District, Estate, Subdistrict
    from gongzhi.seed import NAME

    district = District.objects.filter(name__startswith=NAME).order_by("pk").first()
    if district is None or count <= 0:
        return []
    estates = list(Estate.objects.filter(community__subdistrict__district=district)
                   .order_by("-household_count", "pk").values_list("pk", flat=True)[:count])
    communities = list(Community.objects.filter(subdistrict__district=district).order_by("pk")
                       .values_list("pk", flat=True)[:count])
    subdistricts = list(Subdistrict.objects.filter(district=district).order_by("pk").values_list("pk", flat=True))
    kinds = [("staff", Role.PROPERTY_STAFF, "estate", estates), ("secretary", Role.COMMUNITY_SECRETARY, "community",
                                                                   communities),
             ("officer", Role.SUBDISTRICT_OFFICER, "subdistrict", subdistricts)]
    password_hash = make_password(PASSWORD)  # slow on purpose: once for all of them
    users = []
    for n in range(count):
        name, role, field, anchors = kinds[n % 3] if n % 10 < 9 else kinds[2]  # about 45/45/10 %
        if anchors:
            users.append(_anchored(f"bench-morning-{name}-{n}", password_hash, role, field, anchors[n % len(anchors)]))
    return users


def _city_owners(count: int) -> list:
    """Owners in the seeded city given a login, one in each of `count` estates spread over it."""
    from django.contrib.auth.hashers import make_password

    from gongzhi.core.roles import Role
    from gongzhi.people.models import Ownership
    from gongzhi.places.models import District, Estate
    from gongzhi.seed import NAME

    district = District.objects.filter(name__startswith=NAME).order_by("pk").first()
    if district is None or count <= 0:
        return []
    estates = list(Estate.objects.filter(community__subdistrict__district=district).order_by("pk")
                   .values_list("pk", flat=True))
    password_hash = make_password(PASSWORD)
    users = []
    for n, estate in enumerate(estates[::max(1, len(estates) // count)][:count]):
        username = f"bench-morning-owner-{n}"
        owner = None
        if not _exists(username):
            owner = (Ownership.objects.filter(unit__estate_id=estate, person__kind="natural", person__user__isnull=True,
                                              until__isnull=True).order_by("pk").first())
            if owner is None:
                continue
        users.append(_anchored(username, password_hash, Role.OWNER, "unit", owner.unit_id if owner else 0,
                               owner.person_id if owner else None))
    return users


def _exists(username: str) -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).exists()


def kind_of(url: str) -> str:
    """The page kind of a URL of the matrix."""
    if url.startswith("/api/"):
        return "api read"
    if url == "/":
        return "home"
    if url.startswith("/dashboard/"):
        return "dashboard"
    if re.fullmatch(r"/[a-z-]+/\d+/", url):
        return "detail"
    return "list"


def _staff_pages(user, details: int) -> dict[str, list[str]]:
    """The user's pages by kind: bench/pages.py's matrix (the admin's lists aside), the open requests' list, and the
    pages of the newest requests the user may read and of the open ones due soonest (HTML and API)."""
    from pages import pages_for

    from gongzhi.requests.selectors import requests_listed

    found: dict[str, list[str]] = {kind: [] for kind in (*PAGE_KINDS, "api read")}
    for url in pages_for(user):
        if not url.startswith("/admin/"):
            found[kind_of(url)].append(url)
    found["list"].append("/requests/?status=open")
    ids = [r.pk for r in requests_listed(fetched_by=user)[:details]]
    ids += [r.pk for r in requests_listed(fetched_by=user, status="open", sort="deadline")[:details // 2]]
    for pk in dict.fromkeys(ids):
        found["detail"].append(f"/requests/{pk}/")
        found["api read"].append(f"/api/v1/requests/{pk}")
    return found


def _resident(user, password: str) -> dict | None:
    from gongzhi.people.selectors import my_units

    unit = my_units(fetched_by=user).select_related("estate").order_by("pk").first()
    if unit is None:
        return None
    return {"username": user.username, "password": password, "estate_id": unit.estate_id,
            "building_id": unit.building_id, "unit_id": unit.pk}


def _votes(count: int, ballots: int, organiser, checker) -> list[int]:
    """`count` votes in the organiser's largest estates, announced 16 days ago, closed for ballots a minute ago
    (still to be counted), each with `ballots` paper ballots entered and checked: the organiser closes them."""
    import datetime

    from gongzhi.core import clock
    from gongzhi.core.scoping import scope_for
    from gongzhi.votes import rules
    from gongzhi.votes import services as votes
    from gongzhi.votes.models import RollEntry

    estates = list(scope_for(organiser).estates(rules.VOTE_ORGANISER_ROLES)
                   .order_by("-household_count", "pk").values_list("pk", flat=True)[:3])
    closes = clock.now().replace(microsecond=0) - datetime.timedelta(minutes=1)
    announced, entered = closes - datetime.timedelta(days=16), closes - datetime.timedelta(hours=2)
    made = []
    for n in range(count):
        with clock.frozen(announced):  # the notice period has passed
            vote = votes.vote_create(organiser, estate_id=estates[n % len(estates)], item=5,
                                     title=f"使用维修资金更换电梯（压测 {clock.stamp(closes)} #{n + 1}）",
                                     description="早高峰压测：投票截止后由组织者统计并公示。",
                                     opens_at=announced + datetime.timedelta(days=15), closes_at=closes)
            votes.vote_announce(organiser, vote_id=vote.pk)
        entries = (RollEntry.objects.filter(vote=vote).exclude(owner_key="DEVELOPER").prefetch_related("persons")
                   .order_by("unit__code"))
        seen = set()
        with clock.frozen(entered):
            for entry in entries[:ballots * 2]:
                if entry.owner_key in seen or len(seen) >= ballots:
                    continue
                seen.add(entry.owner_key)
                choice = "no" if len(seen) % 4 == 0 else "yes"
                ballot = votes.ballot_enter(organiser, vote_id=vote.pk, unit_id=entry.unit_id,
                                            voter_id=entry.persons.all()[0].pk, choice=choice, channel="paper")
                votes.ballot_check(checker, ballot_id=ballot.pk, choice=choice)
        made.append(vote.pk)
    return made


def _organisers(city: list, personas: dict) -> tuple:
    """Who enters and who checks the ballots (two people) and closes the votes: two community staff of the
    community of the city's largest estate (bench/pages.py's bench-secretary's), in office since before the
    votes were announced; the demo's committee chair and a member when no city is seeded."""
    import datetime

    from django.contrib.auth.hashers import make_password

    from gongzhi.core.roles import Role
    from gongzhi.people.models import RoleAssignment

    secretary = next((u for u in city if u.username == "bench-secretary"), None)
    if secretary is None:
        return personas["zhaozhuren"], personas["weiyuan"]
    community = RoleAssignment.objects.filter(user=secretary, role=Role.COMMUNITY_SECRETARY).values_list(
        "community_id", flat=True).first()
    password_hash = make_password(PASSWORD)
    return tuple(_anchored(f"bench-morning-{name}", password_hash, Role.COMMUNITY_STAFF, "community", community,
                           valid_from=datetime.date(2024, 1, 1)) for name in ("organiser", "checker"))


def _photo() -> bytes:
    """A small JPEG (640 × 480, about 40 kB), as a phone's photo shrunk by the app before sending."""
    import io

    from PIL import Image, ImageDraw

    rng = random.Random(9)
    image = Image.new("RGB", (640, 480), (180, 170, 150))
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y = rng.randrange(640), rng.randrange(480)
        draw.rectangle((x, y, x + rng.randrange(5, 60), y + rng.randrange(5, 40)),
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    data = io.BytesIO()
    image.save(data, "JPEG", quality=80)
    return data.getvalue()


def plan(args, steps: list[int]) -> dict:
    """Everything the load needs, read and made here (Django) so that the load process needs no Django."""
    import base64

    from pages import _city_users, setup

    setup()
    from django.contrib.auth import get_user_model

    from gongzhi.core.roles import STAFF_ROLES
    from gongzhi.core.scoping import forget_scope, scope_for
    from gongzhi.demo import DEMO_PASSWORD, PERSONA_USERNAMES
    from gongzhi.places.models import Unit
    from gongzhi.requests.models import Request

    started = time.perf_counter()
    User = get_user_model()
    personas = sorted(User.objects.filter(username__in=PERSONA_USERNAMES),
                      key=lambda u: PERSONA_USERNAMES.index(u.username))
    city = _city_users()
    staff, residents = [], []
    for user in [*personas, *city, *_city_staff(args.staff_accounts)]:
        password = DEMO_PASSWORD if user.username in PERSONA_USERNAMES else PASSWORD
        if scope_for(user).has_any(STAFF_ROLES):
            staff.append({"username": user.username, "password": password, **_staff_pages(user, args.details)})
        forget_scope(user)
    for user in [*[u for u in personas if u.username in RESIDENT_PERSONAS],
                 *[u for u in city if u.username == "bench-owner"], *_city_owners(args.resident_accounts)]:
        found = _resident(user, DEMO_PASSWORD if user.username in PERSONA_USERNAMES else PASSWORD)
        if found:
            residents.append(found)
    organiser, checker = _organisers(city, {u.username: u for u in personas})
    vote_ids = _votes(len(steps), args.ballots, organiser, checker) if args.ballots >= 0 else []
    print(f"plan: {len(staff)} staff accounts, {len(residents)} resident accounts, {len(vote_ids)} votes to close "
          f"(organiser {organiser.username}); {Unit.objects.count():,} units, {Request.objects.count():,} requests "
          f"in the database; made in {time.perf_counter() - started:.0f} s", flush=True)
    return {"staff": staff, "residents": residents, "votes": vote_ids,
            "organiser": {"username": organiser.username,
                          "password": DEMO_PASSWORD if organiser.username in PERSONA_USERNAMES else PASSWORD},
            "photo": base64.b64encode(_photo()).decode()}


# --- the load: Locust, in a process of its own (gevent patches the standard library when imported) --------------
def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def host_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of all cores, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def run_load(plan_path: str, out_path: str) -> None:
    import gevent
    from devices import database_cpu, server_cpu  # plain /proc readers
    from gevent.queue import Queue
    from locust import FastHttpUser, task
    from locust.env import Environment

    with open(plan_path) as f:
        p = json.load(f)
    rng = random.Random(p["seed"])
    state = {"step": None, "t0": 0.0, "roles": [], "staff": 0, "residents": 0, "ready": 0, "lag": []}
    records: dict[str, list] = {}  # step → [(kind, second, ms, ok, path, who)]
    errors: list[str] = []
    closes = Queue()

    def on_request(request_type, name, response_time, response_length, exception=None, context=None, **kw):
        step = state["step"]
        ok = exception is None
        if not ok and len(errors) < 50:
            errors.append(f"{name} {context.get('path', '')}: {str(exception)[:160]}")
        kind = "warm-up" if step is None and name not in ("login", "vote close") else name
        records.setdefault(step if step is not None else "between", []).append(
            (kind, time.monotonic() - state["t0"], response_time, ok, (context or {}).get("path", ""),
             (context or {}).get("who", "")))

    class Morning(FastHttpUser):
        host = p["url"]
        network_timeout = connection_timeout = 60.0

        def context(self):  # who asked, in each request's record: the account, less its number
            account = getattr(self, "account", None)
            return {"who": re.sub(r"-\d+$", "", account["username"]) if account else ""}

        def wait_time(self):
            return rng.uniform(*(p["think"] if self.role == "staff" else p["resident_think"]))

        def get(self, url: str, kind: str, headers=None, expect=200):
            with self.client.get(url, name=kind, headers=headers, allow_redirects=False, catch_response=True,
                                 context={"path": url}) as answer:
                if answer.status_code != expect:
                    answer.failure(f"{answer.status_code} {answer.text[:100] if answer.text else ''}")
                return answer

        def on_start(self):
            try:
                self.log_in()
            finally:
                state["ready"] += 1

        def log_in(self):
            self.role = state["roles"].pop(0) if state["roles"] else "staff"
            if self.role == "staff":
                self.account = p["staff"][state["staff"] % len(p["staff"])]
                state["staff"] += 1
                weights = {k: w for k, w in STAFF_WEIGHTS.items() if self.account[k]}
                weights["home"] += STAFF_WEIGHTS["dashboard"] - weights.get("dashboard", 0)  # no dashboard: home
                self.kinds, self.weights = list(weights), list(weights.values())
                page = self.get("/login/", "login")
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text or "")
                body = urlencode({"username": self.account["username"], "password": self.account["password"],
                                  "csrfmiddlewaretoken": token.group(1) if token else ""})
                with self.client.post("/login/", name="login", data=body, allow_redirects=False, catch_response=True,
                                      headers={"Content-Type": "application/x-www-form-urlencoded"},
                                      context={"path": "/login/"}) as login:
                    if login.status_code != 302:  # the form again: refused
                        login.failure(f"{login.status_code}: {self.account['username']} not logged in")
                self.get("/", "home")
            else:
                self.account = (p["organiser"] if self.role == "organiser"
                                else p["residents"][state["residents"] % len(p["residents"])])
                state["residents"] += self.role == "resident"
                with self.client.post("/api/v1/auth/token", name="login", catch_response=True,
                                      json={"username": self.account["username"], "password": self.account["password"],
                                            "name": "bench/morning.py"}, context={"path": "/api/v1/auth/token"}) as t:
                    if t.status_code != 201:
                        t.failure(f"{t.status_code} {t.text[:100]}")
                    self.auth = {"Authorization": f"Bearer {t.json().get('token', '') if t.status_code == 201 else ''}"}

        @task
        def work(self):
            if self.role == "staff":
                kind = rng.choices(self.kinds, weights=self.weights)[0]
                self.get(rng.choice(self.account[kind]), kind)
            elif self.role == "resident":
                a = self.account
                body = {"estate_id": a["estate_id"], "building_id": a["building_id"], "unit_id": a["unit_id"],
                        "category": rng.choice(CATEGORIES), "description": rng.choice(DESCRIPTIONS),
                        "photos": [{"name": "photo.jpg", "data_base64": p["photo"]}]}
                with self.client.post("/api/v1/requests", name="api write", json=body, headers=self.auth,
                                      catch_response=True, context={"path": "/api/v1/requests"}) as made:
                    if made.status_code != 201:
                        made.failure(f"{made.status_code} {made.text[:100] if made.text else ''}")
                        return
                    number = made.json()["id"]
                self.get(f"/api/v1/requests/{number}", "api read", headers=self.auth)
                self.get("/api/v1/requests?mine=true&limit=10", "api read", headers=self.auth)
            else:
                vote = closes.get()  # blocks until the controller says: now
                with self.client.post(f"/api/v1/votes/{vote}/close", name="vote close", headers=self.auth,
                                      catch_response=True, context={"path": "/api/v1/votes/N/close"}) as closed:
                    if closed.status_code != 200:
                        closed.failure(f"{closed.status_code} {closed.text[:160] if closed.text else ''}")

    env = Environment(user_classes=[Morning], host=p["url"])
    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    server = type("Server", (), {"pid": p["server_pid"]}) if p["server_pid"] else None

    def lag_watch():
        while True:
            due = time.perf_counter() + 0.05
            gevent.sleep(0.05)
            if state["step"] is not None:
                state["lag"].append((time.perf_counter() - due) * 1000)

    gevent.spawn(lag_watch)
    deadline = time.monotonic() + p["deadline"]
    steps, staff_so_far, residents_so_far, results = p["steps"], 0, 0, []
    try:
        for n, staff in enumerate(steps):
            residents = math.ceil(staff * p["resident_share"])
            new = ["organiser"] if n == 0 and p["votes"] else []
            more_staff, more_residents = staff - staff_so_far, residents - residents_so_far
            for i in range(more_staff):  # the new residents spread among the new staff
                new.append("staff")
                new += ["resident"] * (round((i + 1) * more_residents / more_staff) - round(i * more_residents / more_staff))
            state["roles"] += new
            staff_so_far, residents_so_far = staff, residents
            total = staff + residents + bool(p["votes"])
            state["t0"] = time.monotonic()
            runner.start(total, spawn_rate=p["spawn_rate"])
            # every new user started and logged in (or given up on: a login that never answers fails the run anyway)
            waited = min(deadline, time.monotonic() + len(new) / p["spawn_rate"] * 3 + 60)
            while (runner.user_count < total or state["ready"] < total) and time.monotonic() < waited:
                gevent.sleep(0.5)
            spawned = time.monotonic() - state["t0"]
            gevent.sleep(p["settle"])
            # the measured window
            load_before, cpu_before, host_before = os.getloadavg(), os.times(), host_cpu()
            srv_before = server_cpu(server) if server else 0.0
            db_before = database_cpu(p["db_name"])
            state["t0"], state["lag"], state["step"] = time.monotonic(), [], n
            if n < len(p["votes"]):
                gevent.spawn_later(p["seconds"] / 2, closes.put, p["votes"][n])
            gevent.sleep(min(p["seconds"], max(0.0, deadline - time.monotonic())))
            state["step"] = None
            took = time.monotonic() - state["t0"]
            mine, host_after = os.times(), host_cpu()
            srv = (server_cpu(server) - srv_before) if server else None
            db = sum(t - db_before.get(pid, 0.0) for pid, t in database_cpu(p["db_name"]).items())
            busy = (host_after[0] - host_before[0]) / max(1, host_after[1] - host_before[1])
            result = {"step": n, "staff": staff, "residents": residents, "seconds": took, "spawned": spawned,
                      "load_before": load_before, "load_after": os.getloadavg(), "host_busy": busy,
                      "server_cpu": srv, "db_cpu": db, "client_cpu": (mine.user + mine.system)
                      - (cpu_before.user + cpu_before.system), "lag": state["lag"], "records": records.get(n, [])}
            results.append(result)
            report_step(result, len(steps))
            if n + 1 < len(steps) and ((overloaded(result) and not p["keep_going"]) or time.monotonic() >= deadline):
                print(f"stopped after step {n + 1}: {'past the deadline' if time.monotonic() >= deadline else 'overloaded'}"
                      " (more users would only queue longer)", flush=True)
                break
    finally:
        runner.quit()
    logins = [r for r in records.get("between", []) if r[0] == "login"] + [
        r for res in results for r in res["records"] if r[0] == "login"]
    with open(out_path, "w") as f:
        json.dump({"results": [{k: v for k, v in r.items() if k not in ("records", "lag")} | {"summary": summary(r)}
                               for r in results], "errors": errors,
                   "logins": [len(logins), percentile([r[2] for r in logins], 50), percentile([r[2] for r in logins], 95),
                              sum(not r[3] for r in logins)]}, f)


# --- figures ------------------------------------------------------------------------------------------------------
def summary(result: dict) -> dict:
    """Per kind: count, req/s, p50, p95, p99, max, errors; the step's total and whether it met every target."""
    by_kind: dict[str, list] = {}
    for kind, _, ms, ok, _path, _who in result["records"]:
        by_kind.setdefault(kind, []).append((ms, ok))
    rows = {}
    for kind in (*KINDS, "login", "vote close", "warm-up"):
        found = by_kind.get(kind, [])
        ms = [m for m, _ in found]
        rows[kind] = {"n": len(found), "rps": len(found) / result["seconds"], "p50": percentile(ms, 50),
                      "p95": percentile(ms, 95), "p99": percentile(ms, 99), "max": max(ms, default=0.0),
                      "errors": sum(not ok for _, ok in found)}
    failed = sum(r["errors"] for r in rows.values())
    missed = [k for k, limit in TARGETS.items() if rows[k]["n"] and rows[k]["p95"] >= limit]
    # CPU per request (every answer in the window, logins and the vote's closing too): a figure a busy host
    # changes little, unlike the latencies; the cores of this host, idle, could serve at most this many a second.
    answered = max(1, len(result["records"]))
    server = (result["server_cpu"] or 0.0) * 1000 / answered
    database = result["db_cpu"] * 1000 / answered
    return {"rows": rows, "rps": sum(rows[k]["rps"] for k in KINDS), "errors": failed, "missed": missed,
            "ok": not failed and not missed, "server_ms": server, "db_ms": database,
            "ceiling": (os.cpu_count() or 1) * 1000 / (server + database) if result["server_cpu"] else None}


def overloaded(result: dict) -> bool:
    """Errors, or half the pages slower than the p95 target: more users would only queue longer."""
    s = summary(result)
    return s["errors"] > 0 or any(s["rows"][k]["p50"] > TARGETS[k] for k in PAGE_KINDS if s["rows"][k]["n"] >= 20)


def report_step(result: dict, steps: int) -> None:
    s = summary(result)
    load = " ".join(f"{x:.2f}" for x in result["load_before"]), " ".join(f"{x:.2f}" for x in result["load_after"])
    cpu = (f"server {result['server_cpu'] / result['seconds']:.2f} cores, " if result["server_cpu"] is not None else "")
    lag = result["lag"]
    print(f"\nstep {result['step'] + 1}/{steps}: {result['staff']} staff sessions + {result['residents']} residents"
          f" (+ the organiser), measured {result['seconds']:.0f} s after {result['spawned']:.0f} s of spawning and "
          f"logging in; load average {load[0]} -> {load[1]} ({os.cpu_count()} cores); host CPU busy "
          f"{100 * result['host_busy']:.0f} %: {cpu}PostgreSQL {result['db_cpu'] / result['seconds']:.2f} cores, this "
          f"client {result['client_cpu'] / result['seconds']:.2f} cores; client scheduling lag p99 "
          f"{percentile(lag, 99):.0f} ms, max {max(lag, default=0):.0f} ms")
    print(f"  {'kind':<11} {'req/s':>7} {'n':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'errors':>6}  target")
    for kind, row in s["rows"].items():
        if kind == "warm-up" or (not row["n"] and kind not in KINDS):
            continue
        target = (f"p95 < {TARGETS[kind]:.0f} ms {'ok' if kind not in s['missed'] else 'MISSED'}"
                  if kind in TARGETS and row["n"] else "none in this step" if kind in TARGETS else "")
        print(f"  {kind:<11} {row['rps']:7.1f} {row['n']:6d} {row['p50']:7.0f} {row['p95']:7.0f} {row['p99']:7.0f} "
              f"{row['max']:7.0f} {row['errors']:6d}  {target}")
    seconds: dict[int, list] = {}
    for kind, second, ms, _, _, _ in result["records"]:
        if kind in KINDS:
            seconds.setdefault(int(second), []).append(ms)
    print(f"  all: {s['rps']:.1f} req/s, {s['errors']} errors -> {'PASS' if s['ok'] else 'FAIL'}"
          f"{' (p95 over target: ' + ', '.join(s['missed']) + ')' if s['missed'] else ''}")
    if s["ceiling"]:
        print(f"  CPU per request: server {s['server_ms']:.0f} ms + PostgreSQL {s['db_ms']:.0f} ms: this host's "
              f"{os.cpu_count()} cores, idle, would serve at most {s['ceiling']:.0f} requests/s of this mix")
    print(f"  median ms second by second: {[round(statistics.median(seconds[x])) for x in sorted(seconds)]}")
    slow: dict[str, list] = {}
    for kind, _, ms, _, path, who in result["records"]:
        if kind in KINDS:
            path = ("POST " if kind == "api write" else "") + re.sub(r"(?<=[/=])\d+", "N", path)
            slow.setdefault(f"{path} {who}", []).append(ms)
    worst = sorted(slow.items(), key=lambda kv: -percentile(kv[1], 50))[:8]
    print("  slowest (page and account, by p50): " + "; ".join(
        f"{path} {percentile(ms, 50):.0f}/{percentile(ms, 95):.0f} ms ({len(ms)})" for path, ms in worst), flush=True)


# --- the run ------------------------------------------------------------------------------------------------------
def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--load":  # the load process (started below)
        import locust  # noqa: F401 — first: gevent patches the standard library before anything else uses it

        sys.path.insert(0, str(BENCH))
        run_load(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=500, help="staff sessions (the top of the ladder with --step)")
    parser.add_argument("--residents", type=float, default=0.1, help="resident users per staff session (0.1)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second (each logs in)")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds (per step with --step)")
    parser.add_argument("--settle", type=float, default=10, help="seconds after the logins before measuring")
    parser.add_argument("--step", nargs="?", const="ladder", default="",
                        help="climb a ladder of staff sessions: comma-separated counts, or none for "
                             f"{', '.join(f'{x:.0%}' for x in LADDER)} of --users")
    parser.add_argument("--think", default="5,15", help="seconds a staff member spends on a page (min,max)")
    parser.add_argument("--resident-think", default="20,40", help="seconds between a resident's requests (min,max)")
    parser.add_argument("--staff-accounts", type=int, default=60, help="staff anchored in the city besides pages.py's")
    parser.add_argument("--resident-accounts", type=int, default=20, help="owners of the city given a login")
    parser.add_argument("--details", type=int, default=10, help="requests per staff account whose pages are opened")
    parser.add_argument("--ballots", type=int, default=100, help="ballots in each vote closed (-1: no vote)")
    parser.add_argument("--keep-going", action="store_true", help="climb every step, even past an overloaded one")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default gongzhi serve's, 2 × cores + 1)")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--url", default="", help="an already running server on 127.0.0.1 (not started nor stopped)")
    args = parser.parse_args()
    if args.url and not re.match(r"^http://(127\.0\.0\.1|localhost)(:\d+)?/?$", args.url):
        raise SystemExit("--url: 127.0.0.1 or localhost only")
    if args.step == "ladder":
        steps = sorted({max(1, round(args.users * x)) for x in LADDER})
    elif args.step:
        steps = sorted({int(x) for x in args.step.split(",")})
    else:
        steps = [args.users]
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgres"):
        raise SystemExit("PostgreSQL only: set DATABASE_URL (and GONGZHI_DEMO=1)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    os.environ.setdefault("GONGZHI_DEMO", "1")
    workdir = tempfile.mkdtemp(prefix="gongzhi-bench-morning-")
    os.environ.setdefault("GONGZHI_MEDIA_ROOT", f"{workdir}/media")  # the residents' photos
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(BENCH))
    import devices
    from requests_http import steadiness

    the_plan = plan(args, steps)
    server = None
    url = args.url.rstrip("/")
    if not url:
        devices.PORT, devices.WORKERS = args.port, str(args.workers or "")  # devices.start_server reads these
        server = devices.start_server({**os.environ, "GONGZHI_DEBUG": "0", "PYTHONPATH": str(ROOT)})
        url = f"http://127.0.0.1:{args.port}"
    think = [float(x) for x in args.think.split(",")]
    the_plan.update(url=url, steps=steps, seconds=args.seconds, settle=args.settle, spawn_rate=args.spawn_rate,
                    think=think, resident_think=[float(x) for x in args.resident_think.split(",")],
                    resident_share=args.residents, seed=20261208, keep_going=args.keep_going, server_pid=server.pid if server else 0,
                    db_name=database.rsplit("/", 1)[1].split("?")[0],
                    deadline=sum(s / args.spawn_rate * 3 + 60 + args.settle + args.seconds for s in steps) + 120)
    plan_path, out_path = f"{workdir}/plan.json", f"{workdir}/result.json"
    Path(plan_path).write_text(json.dumps(the_plan))
    try:
        turns = steadiness(5)
        workers = f"started here, {args.workers or 2 * (os.cpu_count() or 1) + 1} workers" if server else "already running"
        print(f"gongzhi serve on {url} ({workers}),"
              f" PostgreSQL {the_plan['db_name']}; staff think {think[0]:.0f}-{think[1]:.0f} s; steps (staff sessions): "
              f"{steps}; {args.seconds:.0f} s measured per step")
        print(f"host steadiness before: one core's work per second (thousand loop turns): min {min(turns)}, max "
              f"{max(turns)} ({100 * min(turns) / max(turns):.0f} %) {turns}; load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        subprocess.run([sys.executable, __file__, "--load", plan_path, out_path], cwd=ROOT, check=True,
                       timeout=the_plan["deadline"] + 120)
    finally:
        if server is not None:
            devices.stop(server)
    turns = steadiness(5)
    print(f"\nhost steadiness after: min {min(turns)}, max {max(turns)} ({100 * min(turns) / max(turns):.0f} %) "
          f"{turns}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    out = json.loads(Path(out_path).read_text())
    n, p50, p95, failed = out["logins"]
    print(f"logins (session or token, once per simulated user): {n}, p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
          f"{failed} failed")
    print(f"\n{'staff':>6} {'residents':>9} {'req/s':>7} " + " ".join(f"{k + ' p95':>14}" for k in KINDS)
          + f" {'errors':>6}  result")
    for r in out["results"]:
        s = r["summary"]
        print(f"{r['staff']:>6} {r['residents']:>9} {s['rps']:7.1f} "
              + " ".join(f"{s['rows'][k]['p95']:14.0f}" for k in KINDS)
              + f" {s['errors']:>6}  {'PASS' if s['ok'] else 'FAIL'} (load average {r['load_after'][0]:.2f}"
              + (f"; CPU {s['server_ms'] + s['db_ms']:.0f} ms/request, idle ceiling {s['ceiling']:.0f}/s)"
                 if s["ceiling"] else ")"))
    passed = [r for r in out["results"] if r["summary"]["ok"]]
    if passed:
        best = max(passed, key=lambda r: r["summary"]["rps"])
        rows = best["summary"]["rows"]
        print(f"RESULT highest rate meeting every target: {best['summary']['rps']:.1f} requests/s "
              f"(pages {sum(rows[k]['rps'] for k in PAGE_KINDS):.1f}/s, API reads {rows['api read']['rps']:.1f}/s, "
              f"API writes {rows['api write']['rps']:.1f}/s) with {best['staff']} staff sessions and "
              f"{best['residents']} residents, no errors")
    else:
        print("RESULT no step met every target")
    for error in out["errors"][:10]:
        print(f"  e.g. {error}")


if __name__ == "__main__":
    main()
