"""The browser tests' live site and phone-sized page, shared with the portal's (tests/portal/conftest.py)."""

from tests.portal.conftest import phone, site  # noqa: F401
