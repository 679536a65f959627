"""Each persona's pages answer within a budget of SQL queries on the demo (issue 24): a list that reads
its rows one query at a time (an N+1) goes past its page's budget and fails here, not in production.

The matrix of pages is bench/pages.py's (every persona × the home page, the header's entries, the main
lists and API lists, their estate's pages); the budgets are in query_budgets.json beside this file,
written by `bench/queries.py --no-city --write-budgets tests/portal/query_budgets.json` on the demo (each
page's count when written and a margin). A page the file does not know yet is held to NEW_PAGE_BUDGET.
"""

import json
import os
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.pages import pages_for
from gongzhi.demo import PERSONA_USERNAMES

BUDGETS = json.loads((Path(__file__).parent / "query_budgets.json").read_text())
NEW_PAGE_BUDGET = 60
WRITE = "QUERY_BUDGETS_WRITE"


def queries_of(client, url: str) -> tuple[int, int]:
    client.get(url)  # the first request fills the process's caches (content types, translations)
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url).status_code
    return len(queries), status


@pytest.mark.parametrize("username", PERSONA_USERNAMES)
def test_every_page_of_the_persona_stays_within_its_query_budget(login, persona, username, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    client = login(username)
    over, seen, counts = [], 0, {}
    for url in pages_for(persona(username)):
        count, status = queries_of(client, url)
        assert status < 500, f"{url} answered {status}"
        counts[url] = count
        budget = BUDGETS.get(username, {}).get(url, NEW_PAGE_BUDGET)
        seen += 1
        if count > budget:
            over.append(f"{username} {url}: {count} queries, budget {budget}")
    assert seen >= 10  # the matrix was walked at all
    if os.environ.get(WRITE):  # after a deliberate change: QUERY_BUDGETS_WRITE=1 pytest -n 0 this file
        _write(username, counts)
        return
    assert over == [], "\n".join(over)


def _write(username: str, counts: dict) -> None:
    from bench.queries import budget

    path = Path(__file__).parent / "query_budgets.json"
    budgets = json.loads(path.read_text())
    budgets[username] = {url: budget(count) for url, count in counts.items()}
    path.write_text(json.dumps(budgets, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


def test_a_list_that_reads_row_by_row_goes_over_its_budget(login, persona, monkeypatch):
    """The test catches what it is for: the requests list made to read each row's estate on its own."""
    from gongzhi.requests import selectors

    listed = selectors.requests_listed

    def without_estates(**kwargs):
        found = listed(**kwargs)
        found.select_related = ()
        return found

    monkeypatch.setattr(selectors, "requests_listed", without_estates)
    client = login("yanshuji")
    count, status = queries_of(client, "/requests/")
    assert status == 200
    assert count > BUDGETS["yanshuji"]["/requests/"]
