"""Demo data built from the seeds: 光华路街道 (文峰区, 安阳) with its 8 communities, 义乌城小区
(17 buildings, ~3,000 households, a 物管会), an estate modelled on 太平洋花园 (11 buildings, 306
households, committee of 7 with 5 party members, chair = branch secretary, 11 building heads),
micro estates with yard committees, no-property estates served by a community service company,
departments, and a cadre responsible for two estates.

Each app loads its own slice (`gongzhi/<app>/demo.py`, `load(w)`), in the order below, onto one
world `w` that carries the places and personas the later slices need. Everything goes through the
service functions (actor None = the system), so the demo leaves the same audit trail a real set-up
would. Loading twice changes nothing.
"""

import random
from types import SimpleNamespace

from django.db import transaction

from gongzhi.bodies import demo as bodies
from gongzhi.core import demo as core
from gongzhi.finance import demo as finance
from gongzhi.grid import demo as grid
from gongzhi.meetings import demo as meetings
from gongzhi.notices import demo as notices
from gongzhi.party import demo as party
from gongzhi.people import demo as people
from gongzhi.people.demo import DEMO_PASSWORD, PERSONA_USERNAMES  # noqa: F401 — the demo's logins, for tests
from gongzhi.places import demo as places
from gongzhi.requests import demo as requests
from gongzhi.reviews import demo as reviews
from gongzhi.services import demo as services
from gongzhi.votes import demo as votes

SLICES = [places, people, bodies, core, notices, votes, meetings, finance, requests, party, services, grid, reviews]


def already_loaded() -> bool:
    return places.already_loaded()


@transaction.atomic
def load() -> None:
    world = SimpleNamespace(rng=random.Random(20240501))
    for part in SLICES:
        part.load(world)
