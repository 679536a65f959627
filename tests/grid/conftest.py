"""The portal's live site and phone page for grid work's browser journeys (the same fixtures, not copies)."""

from tests.portal.conftest import phone, site  # noqa: F401
