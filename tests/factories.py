"""factory-boy factories for unit tests that need a few rows of their own, not the demo world.

The demo stays loaded in the test database (persona, page and browser tests need it), so these
make names that cannot clash with it (测试… and a sequence number) and a test built on them asks
only about its own rows. Each factory builds what it hangs from: `UnitFactory()` makes a building,
an estate, a community, a subdistrict and a district along with it. A role goes at exactly one place:
`RoleAssignmentFactory(role=Role.COMMUNITY_STAFF, anchor=community)`; without an anchor it goes
at a new estate.
"""

import decimal

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory, Password

from gongzhi.core.roles import Role
from gongzhi.people.models import ANCHOR_FIELDS, Ownership, Person, RoleAssignment
from gongzhi.places.models import Building, Community, District, Entrance, Estate, Subdistrict, Unit


class DistrictFactory(DjangoModelFactory):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"测试区{n}")


class SubdistrictFactory(DjangoModelFactory):
    class Meta:
        model = Subdistrict

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"测试街道{n}")


class CommunityFactory(DjangoModelFactory):
    class Meta:
        model = Community

    subdistrict = factory.SubFactory(SubdistrictFactory)
    name = factory.Sequence(lambda n: f"测试社区{n}")


class EstateFactory(DjangoModelFactory):
    class Meta:
        model = Estate

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"测试小区{n}")
    household_count = 12


class BuildingFactory(DjangoModelFactory):
    class Meta:
        model = Building

    estate = factory.SubFactory(EstateFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    floors = 6


class EntranceFactory(DjangoModelFactory):
    class Meta:
        model = Entrance

    building = factory.SubFactory(BuildingFactory)
    code = "1"


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    estate = factory.SelfAttribute("building.estate")
    code = factory.Sequence(lambda n: f"1-1-{101 + n}")
    area = decimal.Decimal("88.50")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"test-user-{n}")
    first_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = Password("x")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"测试业主{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class OwnershipFactory(DjangoModelFactory):
    class Meta:
        model = Ownership

    unit = factory.SubFactory(UnitFactory)
    person = factory.SubFactory(PersonFactory)


class RoleAssignmentFactory(DjangoModelFactory):
    """A role at one place: pass `anchor=` (any place) or the anchor's own field (`estate=`...)."""

    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.RESIDENT

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        anchor = kwargs.pop("anchor", None)
        if anchor is not None:
            kwargs[type(anchor)._meta.model_name] = anchor
        if not any(kwargs.get(field) is not None for field in ANCHOR_FIELDS):
            kwargs["estate"] = EstateFactory()
        return kwargs


def user_with_role(role: str, anchor, **user_fields):
    """A login holding `role` at `anchor` (from today), e.g. an administrator of a new district."""
    user = UserFactory(**user_fields)
    RoleAssignmentFactory(user=user, role=role, anchor=anchor)
    return user
