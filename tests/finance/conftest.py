"""The portal's live site and phone page for this app's browser journey (the same fixtures, not copies)."""

from tests.portal.conftest import phone, site  # noqa: F401
