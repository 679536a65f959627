"""Possible splitting (拆分): requests to one payee, each under the large line, that together reach it
within the window are all flagged — exactly at the line and its window's edges, and when the requests
arrive at the same moment (issue 23: four at once on PostgreSQL were flagged 0 of 4 times)."""

import datetime

import pytest
from django.conf import settings

from gongzhi.finance.models import Expense
from gongzhi.finance.rules import large_threshold_fen
from gongzhi.finance.services import expenses as expense_svc
from tests.helpers import PACIFIC, estate, race

pytestmark = pytest.mark.usefixtures("world")


def request(persona, amount: str, payee: str):
    return expense_svc.expense_request(persona("weiyuan"), estate_id=estate(PACIFIC).pk, amount=amount,
                                       purpose="楼道维修", payee=payee, category="repair")


def flags(payee: str) -> list[bool]:
    return list(Expense.objects.filter(payee=payee).order_by("id").values_list("split_suspect", flat=True))


def test_the_line_is_the_large_expense_line():
    assert large_threshold_fen() == settings.GONGZHI_LARGE_EXPENSE_YUAN * 100 == 500000


@pytest.mark.parametrize(("second", "flagged"), [
    ("2499.99", False),  # together 4,999.99: under the line
    ("2500.00", True),   # together exactly 5,000.00: the line counts, as for one large request
    ("2500.01", True),   # together 5,000.01
])
def test_split_at_the_line(persona, clock, second, flagged):
    request(persona, "2500.00", "某防水公司")
    request(persona, second, "某防水公司")
    assert flags("某防水公司") == [flagged, flagged]


@pytest.mark.parametrize(("later", "flagged"), [
    (datetime.timedelta(days=settings.GONGZHI_SPLIT_WINDOW_DAYS), True),  # the window's last instant
    (datetime.timedelta(days=settings.GONGZHI_SPLIT_WINDOW_DAYS, seconds=1), False),  # just outside
])
def test_split_within_the_window_only(persona, clock, later, flagged):
    start = clock.now
    request(persona, "3000", "某电梯公司")
    clock.set(start + later)
    request(persona, "3000", "某电梯公司")
    assert flags("某电梯公司") == [flagged, flagged]


def test_another_payees_requests_do_not_count(persona, clock):
    request(persona, "3000", "某电梯公司")
    request(persona, "3000", "某门禁公司")
    assert flags("某电梯公司") == [False] and flags("某门禁公司") == [False]


# --- at the same moment ------------------------------------------------------------------------------
ROUNDS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_requests_at_once_are_all_flagged(world, persona):
    """Four ¥1,500 requests to one payee at the same moment (¥6,000 together): every round, all four
    flagged. Each racer has its own thread and connection (tests.helpers.race)."""
    for round_ in range(ROUNDS):
        payee = f"某保洁公司{round_}"
        results = race([lambda p=payee: request(persona, "1500", p) for _ in range(4)])
        assert all(isinstance(r, Expense) for r in results), results
        assert flags(payee) == [True] * 4, f"round {round_}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_requests_at_once_under_the_line_are_not_flagged(world, persona):
    """Four ¥1,249.99 requests at once (¥4,999.96 together) stay unflagged: the lock adds no false alarm."""
    results = race([lambda: request(persona, "1249.99", "某花木公司") for _ in range(4)])
    assert all(isinstance(r, Expense) for r in results), results
    assert flags("某花木公司") == [False] * 4
