"""The shapes an app's home.py returns to the portal (gongzhi.portal.cards collects them): a home-page
card (a template and its data) and a link for the header or the home page's list of further pages."""

from dataclasses import dataclass, field

TASKS, MINE, OVERVIEW, LINKS = 10, 30, 50, 90


@dataclass
class Card:
    template: str
    data: dict = field(default_factory=dict)
    order: int = OVERVIEW


@dataclass
class NavEntry:
    label: str
    url: str
    order: int = 50
    testid: str = ""
    count: int | None = None
