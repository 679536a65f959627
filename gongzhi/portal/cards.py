"""What the apps put on the portal: home-page cards and header links.

Each app may have a `home.py` with `cards(request, scope) -> list[Card]`,
`nav(request, scope) -> list[NavEntry]` (the header) and `links(request, scope) -> list[NavEntry]` (the
home page's last card of further pages). The portal asks every installed gongzhi app for them, so a
new app adds its cards without editing the portal or core. Cards come in `order` (tasks first:
what waits for this user, then their places, then overviews and links).
"""

import importlib
from functools import cache

from django.apps import apps

from gongzhi.core.cards import Card, NavEntry


@cache
def _home_modules() -> list:
    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("gongzhi."):
            continue
        try:
            modules.append(importlib.import_module(f"{config.name}.home"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.home":
                raise
    return modules


def cards(request, scope) -> list[Card]:
    found = [card for module in _home_modules() if hasattr(module, "cards") for card in module.cards(request, scope)]
    return sorted(found, key=lambda card: card.order)


def nav(request, scope) -> list[NavEntry]:
    found = [entry for module in _home_modules() if hasattr(module, "nav") for entry in module.nav(request, scope)]
    return sorted(found, key=lambda entry: entry.order)


def links(request, scope) -> list[NavEntry]:
    found = [entry for module in _home_modules() if hasattr(module, "links") for entry in module.links(request, scope)]
    return sorted(found, key=lambda entry: entry.order)
