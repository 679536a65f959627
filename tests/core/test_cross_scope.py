"""The cross-scope probe (issue 23): generated from the OpenAPI document and the URL conf, so a new
GET operation or page is probed without writing a test.

For every demo persona and every GET operation (and every page with an id in its URL), each id is
filled with an object from a place foreign to the persona — another estate of the same community,
another community, subdistrict and district (tests/core/cross_scope.py builds them, with one object
of every kind) — and the answer must be the one a missing object gets (404; 403 only where a missing
id gets 403 too), must not show the foreign object (its marked text), and lists filtered by a foreign
place show none of it. In every answer, a persona whose roles may not see phone or ID numbers
(core.roles.PHONE_ROLES, ID_NUMBER_ROLES) finds none unmasked but their own — including the ones
typed into requests, orders, meeting minutes and matters (the world plants them).
"""

import os
import re
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from gongzhi.core import clock
from gongzhi.core.roles import ID_NUMBER_ROLES, PHONE_ROLES, Role
from gongzhi.core.scoping import Scope
from gongzhi.demo import PERSONA_USERNAMES
from gongzhi.places.models import Estate
from gongzhi.requests.rules import ESTATE_HANDLER_ROLES, LEVEL_ROLES
from tests.core.cross_scope import LEVELS, MARK, TYPED, World, numbers_in

MISSING_ID = 987654321
FILES = re.compile(r"(\.\w+|/file)$")  # answers that are files (a PDF, a notice's JSON file): no own copy fetched
HANDLER_ROLES = frozenset({Role.DEPARTMENT_OFFICER}).union(*ESTATE_HANDLER_ROLES.values(), *LEVEL_ROLES.values())
COVERED = Counter()  # what this worker probed: "operation × persona", "page × persona", "foreign ids"


# --- what is probed: read from the schema and the URL conf at collection -----------------------------
def _get_operations() -> list[dict]:
    from gongzhi.api import api

    schema = api.get_openapi_schema()
    ops = []
    for path, methods in schema["paths"].items():
        op = methods.get("get")
        if op:
            ops.append({"id": op["operationId"], "path": path, "params": op.get("parameters", [])})
    return sorted(ops, key=lambda o: o["id"])


def _routes(resolver=None, prefix=""):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.name, getattr(p.pattern, "converters", {})


# Pages not probed, and why: session actions (a GET would log the client out or do nothing), the
# API and the back office (probed above and in tests/places/test_admin_scope.py), Open311 (its own
# tests: keys, not sessions), spreadsheets (no text to read).
SKIPPED_PAGES = re.compile(r"^(api/|admin/|\^open311|logout/|login/|i18n/|display/)|\.xlsx$")
# Public by design: the board and the transparency log show any estate (masked); only the numbers
# check applies to them.
PUBLIC_PAGES = re.compile(r"^(board/|v/|log/)")


def _pages() -> list[dict]:
    pages = []
    for route, name, converters in _routes():
        if SKIPPED_PAGES.search(route):
            continue
        ids = [k for k, c in converters.items() if type(c).__name__ == "IntConverter"]
        public = bool(PUBLIC_PAGES.search(route))
        words = [k for k in converters if k not in ids]
        if public:  # a public page's numbers are no object of anyone's (v/<index>/: a log entry)
            words, ids = [*words, *[k for k in ids if not k.endswith("_id")]], [k for k in ids if k.endswith("_id")]
        pages.append({"id": name or route, "route": route, "ids": ids, "words": words, "public": public})
    return sorted(pages, key=lambda p: p["id"])


OPERATIONS = _get_operations()
PAGES = _pages()


def _is_id(name: str) -> bool:
    return name.endswith("_id")


# --- the world: the demo plus the foreign places, one transaction for the module -----------------------
class Viewer:
    def __init__(self, user):
        from gongzhi.people.models import Person

        self.user = user
        self.client = Client()
        self.client.force_login(user)
        scope = Scope(user)
        self.estates = scope.estate_ids()
        self.may_phone = bool(scope.roles & PHONE_ROLES) or scope.is_root
        # a request's handler reads the phones in it, as the requester's own (requests.selectors.text_shown)
        self.handles = bool(scope.roles & HANDLER_ROLES)
        self.may_id = bool(scope.roles & ID_NUMBER_ROLES) or scope.is_root
        self.checked = not (self.may_phone and self.may_id)  # someone the numbers check applies to
        own = Person.objects.filter(user=user).values_list("phone", "id_number")
        self.own = {n for pair in own for n in pair if n}
        self._own: dict[str, int | None] = {}

    def own_object(self, param: str) -> int | None:
        """An object of this kind in one of the persona's estates (one with typed numbers if any)."""
        if param not in self._own:
            self._own[param] = _own_object(self, param)
        return self._own[param]

    def foreign(self, world):
        return [p for p in world.places if p.estate.pk not in self.estates]


def _own_object(viewer, param: str) -> int | None:
    from tests.core.cross_scope import _estate_path, model_for

    estates = sorted(viewer.estates)
    if not estates or param in ("person_id", "user_id", "place_id"):
        return None
    if param == "estate_id":
        return Estate.objects.filter(pk__in=estates).exclude(name__startswith=MARK).order_by("pk").values_list(
            "pk", flat=True).first()
    model = model_for(param)
    path = _estate_path(model) if model is not None else None
    if path is None:
        return None
    rows = model.objects.filter(**{f"{path}__in": estates}).exclude(**{f"{path}__name__startswith": MARK})
    if any(f.name == "requester" for f in model._meta.concrete_fields):
        rows = rows.exclude(requester=viewer.user)
    return rows.order_by("pk").values_list("pk", flat=True).first()


def _plant_typed_numbers(personas) -> None:
    """A phone and an ID number typed into the free text of the demo's requests, orders, meetings and
    matters, by someone who is not a persona (so no persona reads them as their own words)."""
    from gongzhi.meetings.models import Matter, Meeting
    from gongzhi.requests.models import Event, Order, Request

    mine = Q(requester__in=personas)
    Request.objects.exclude(mine).update(description=TYPED, resolution_note=TYPED, satisfaction_comment=TYPED)
    Event.objects.exclude(request__requester__in=personas).update(note=TYPED)
    Order.objects.exclude(mine).update(description=TYPED, done_note=TYPED)
    Meeting.objects.update(minutes=TYPED)
    Matter.objects.update(description=TYPED)


@pytest.fixture(scope="module")
def probe(django_db_setup, django_db_blocker, request):
    from django.contrib.auth import get_user_model

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            params = {p["name"] for op in OPERATIONS for p in op["params"] if _is_id(p["name"])}
            params |= {name for page in PAGES for name in page["ids"]}
            world = World().build(params)
            users = list(get_user_model().objects.filter(username__in=PERSONA_USERNAMES).order_by("username"))
            _plant_typed_numbers(users)
            viewers = [Viewer(u) for u in users]
            yield world, viewers
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
    print(f"\ncross-scope probe (this worker): {dict(COVERED)}")
    selected = Counter(item.originalname for item in request.session.items)
    if not os.environ.get("PYTEST_XDIST_WORKER") and selected["test_no_get_operation_shows_another_place"] == len(
            OPERATIONS) and selected["test_no_page_shows_another_place"] == len(PAGES):
        # every case ran in this process (no xdist, no -k): what was probed, not only what was collected
        assert COVERED["operation × persona"] >= len(OPERATIONS), dict(COVERED)
        assert COVERED["page × persona"] >= len(PAGES), dict(COVERED)


# --- the checks --------------------------------------------------------------------------------------
def _text(response) -> str:
    kind = response.get("Content-Type", "")
    if "json" in kind or "html" in kind or "text" in kind or "xml" in kind:
        return response.content.decode(errors="replace")
    return ""


def _check_body(viewer, response, places, where, problems) -> None:
    may_phone = viewer.may_phone or (viewer.handles and "request" in where)
    body = _text(response)
    for place in places:
        if f"{MARK}{place.level}" in body:
            problems.append(f"{viewer.user.username}: {where} shows an object of the foreign {place.level}")
    mobiles, ids = numbers_in(body)
    if not may_phone and mobiles - viewer.own:
        problems.append(f"{viewer.user.username}: {where} shows mobile(s) {sorted(mobiles - viewer.own)[:3]}")
    if not viewer.may_id and ids - viewer.own:
        problems.append(f"{viewer.user.username}: {where} shows ID number(s) {sorted(ids - viewer.own)[:3]}")


def _value(param: dict, place, today) -> str:
    schema = param.get("schema", {})
    name = param["name"]
    if _is_id(name):
        return str(place.objects.get(name, MISSING_ID) if place else MISSING_ID)
    if "enum" in schema:
        return str(schema["enum"][0])
    if schema.get("type") == "integer":
        return str(today.year) if name == "year" else "1"
    if schema.get("format") == "date" or name in ("on", "start", "end", "month"):
        return today.isoformat()
    return "1"


def _query_values(op, today) -> dict:
    """The required query parameters that are not ids, filled with something valid."""
    out = {}
    for p in op["params"]:
        if p["in"] == "query" and p.get("required") and not _is_id(p["name"]):
            out[p["name"]] = _value(p, None, today)
    if op["id"] == "request_metrics":
        out["place"] = "estate"
    if any(p["name"] == "limit" for p in op["params"]):  # the first page is enough, and keeps the probe fast
        out["limit"] = "20"
    return out


@pytest.mark.parametrize("op", OPERATIONS, ids=[op["id"] for op in OPERATIONS])
def test_no_get_operation_shows_another_place(probe, op, db):
    world, viewers = probe
    today = clock.today()
    path_params = [p for p in op["params"] if p["in"] == "path"]
    unknown = [p["name"] for p in path_params if _is_id(p["name"]) and p["name"] in world.missing]
    assert not unknown, f"{op['id']}: no foreign object for {unknown}: {[world.missing[n] for n in unknown]}"
    query_ids = [p for p in op["params"] if p["in"] == "query" and _is_id(p["name"]) and p["name"] not in world.missing]
    fixed = _query_values(op, today)
    problems, probed = [], 0
    for viewer in viewers:
        places = viewer.foreign(world)
        places = [p for p in places if all(q["name"] in p.objects for q in path_params if _is_id(q["name"]))]
        if not places:
            continue
        probed += 1
        COVERED["operation × persona"] += 1
        if any(_is_id(p["name"]) for p in path_params):
            missing_url = _url(op["path"], path_params, None, fixed, today)
            missing = viewer.client.get(missing_url)
            _check_body(viewer, missing, places, missing_url, problems)
            ids = [p["name"] for p in path_params if _is_id(p["name"])]
            own = viewer.own_object(ids[0]) if len(ids) == 1 and viewer.checked and not FILES.search(op["path"]) else None
            if own is not None:  # one of the persona's own objects: its numbers masked as the role needs
                mine = missing_url.replace(str(MISSING_ID), str(own))
                _check_body(viewer, viewer.client.get(mine), [], mine, problems)
            for place in places:
                target = _url(op["path"], path_params, place, fixed, today)
                got = viewer.client.get(target)
                COVERED["foreign ids"] += 1
                _check_body(viewer, got, places, target, problems)
                if missing.status_code not in (403, 404):
                    problems.append(f"{viewer.user.username}: {missing_url} answers {missing.status_code} for a "
                                    f"missing id — the probe cannot compare")
                elif got.status_code != missing.status_code and got.status_code != 404:
                    problems.append(f"{viewer.user.username}: {target} ({place.level}) answers {got.status_code}, "
                                    f"a missing id {missing.status_code}")
        else:
            plain = _url(op["path"], path_params, None, fixed, today)
            got = viewer.client.get(plain)
            _check_body(viewer, got, places, plain, problems)
            for q in query_ids:
                for place in places:
                    if q["name"] not in place.objects:
                        continue
                    target = _url(op["path"], path_params, None, {**fixed, q["name"]: place.objects[q["name"]]}, today)
                    got = viewer.client.get(target)
                    COVERED["foreign ids"] += 1
                    _check_body(viewer, got, places, target, problems)
                    assert got.status_code < 500, (target, got.status_code)
    assert probed, f"{op['id']}: no persona had a foreign place to probe"
    assert not problems, "\n".join(problems)


def _url(path, path_params, place, query, today) -> str:
    for p in path_params:
        path = path.replace("{" + p["name"] + "}", _value(p, place, today))
    return path + ("?" + urlencode(query) if query else "")


@pytest.mark.parametrize("route", PAGES, ids=[p["id"] for p in PAGES])
def test_no_page_shows_another_place(probe, route, db):
    page = route
    world, viewers = probe
    unknown = [name for name in page["ids"] if name in world.missing]
    assert not unknown, f"{page['id']}: no foreign object for {unknown}: {[world.missing[n] for n in unknown]}"
    problems, probed = [], 0
    for viewer in viewers:
        places = [p for p in viewer.foreign(world) if all(name in p.objects for name in page["ids"])]
        if not places:
            continue
        probed += 1
        COVERED["page × persona"] += 1

        def url(place, page=page):
            path = page["route"]
            for name in page["ids"]:
                path = path.replace(f"<int:{name}>", str(place.objects[name] if place else MISSING_ID))
            for name in page["words"]:
                path = re.sub(rf"<(\w+):{name}>", lambda m: "1" if m.group(1) == "int" else "x", path)
            return "/" + path

        if not page["ids"]:
            got = viewer.client.get(url(None))
            _check_body(viewer, got, [] if page["public"] else places, url(None), problems)
            continue
        # one of the persona's own objects (on a page, not in a file): its numbers masked as the role needs
        if len(page["ids"]) == 1 and page["route"].endswith("/") and viewer.checked:
            own = viewer.own_object(page["ids"][0])
            if own is not None:
                mine = url(None).replace(str(MISSING_ID), str(own))
                _check_body(viewer, viewer.client.get(mine), [], mine, problems)
        missing = viewer.client.get(url(None))
        for place in places:
            got = viewer.client.get(url(place))
            COVERED["foreign ids"] += 1
            if page["public"]:
                _check_body(viewer, got, [], url(place), problems)
                continue
            _check_body(viewer, got, places, url(place), problems)
            if got.status_code not in (404, missing.status_code):
                problems.append(f"{viewer.user.username}: {url(place)} ({place.level}) answers {got.status_code}, "
                                f"a missing id {missing.status_code}")
    assert probed, f"{page['id']}: no persona had a foreign place to probe"
    assert not problems, "\n".join(problems)


def test_the_probe_covers_every_get_operation_and_page(probe):
    """Nothing is skipped silently: every GET operation in the schema and every page in the URL conf is a
    case above (each fails unless it probed at least one persona against a foreign place; when all of them
    ran in one process, the module's fixture checks at its end that each was probed)."""
    from gongzhi.api import api

    schema_gets = sum(1 for methods in api.get_openapi_schema()["paths"].values() if "get" in methods)
    world, viewers = probe
    pairs = len(OPERATIONS) * len(viewers)
    pages = len(PAGES) * len(viewers)
    summary = (f"{len(OPERATIONS)} GET operations × {len(viewers)} personas = {pairs}, {len(PAGES)} pages × "
               f"{len(viewers)} personas = {pages}, foreign places {[p.level for p in world.places]}")
    print(summary)
    assert len(OPERATIONS) >= schema_gets >= 1, summary
    assert len(viewers) == len(PERSONA_USERNAMES), summary
    assert all(len(p.objects) >= 15 for p in world.places), summary
    assert LEVELS == tuple(p.level for p in world.places)
