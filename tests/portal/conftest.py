"""The browser tests' live site and a phone-sized page (375 × 740)."""

import pytest


@pytest.fixture
def site(transactional_db, live_server, world):
    return live_server.url


@pytest.fixture
def phone(page):
    page.set_viewport_size({"width": 375, "height": 740})
    return page
