"""Fixtures shared by the places tests: a community of its own for a ledger to name, and its staff."""

import pytest

from gongzhi.core.roles import Role
from tests.factories import CommunityFactory, user_with_role


@pytest.fixture
def community(db):
    """A community of its own (the ledger's rows name it), with no estates yet."""
    return CommunityFactory()


@pytest.fixture
def community_staff(community):
    return user_with_role(Role.COMMUNITY_STAFF, community)
