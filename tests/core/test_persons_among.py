"""Scope.persons_among(ids), the search box's cheap scope check, answers exactly what persons() answers for
the same ids, for every persona of the demo (officers take the cheap path, residents and building heads the
general one)."""

import pytest

from gongzhi.core.scoping import scope_for
from gongzhi.demo import PERSONA_USERNAMES
from gongzhi.people.models import Person

pytestmark = pytest.mark.usefixtures("world")


@pytest.mark.parametrize("username", PERSONA_USERNAMES)
def test_persons_among_is_persons_restricted_to_the_ids(persona, username):
    scope = scope_for(persona(username))
    everyone = list(Person.objects.values_list("pk", flat=True))
    assert set(scope.persons_among(everyone).values_list("pk", flat=True)) == set(
        scope.persons().values_list("pk", flat=True))
    some = everyone[::3]
    assert set(scope.persons_among(some).values_list("pk", flat=True)) == set(
        scope.persons().filter(pk__in=some).values_list("pk", flat=True))
