"""`gongzhi seed` interrupted midway and run again: the rerun removes the unfinished city and seeds
a whole one, never a second city beside the first. The interrupt is raised from the progress callback
as the fourth estate is written (CHUNK lowered so that every estate or two is a chunk of its own: the first
estates are committed, the fourth is not)."""

import pytest
from django.core.management import call_command

from gongzhi import seed as seeding
from gongzhi.core.models import AuditEntry
from gongzhi.people.models import Ownership, PartyMember, Person
from gongzhi.places.models import District, Estate, Unit

UNITS = 20_000  # at most 3,000 an estate: at least seven estates


class Killed(Exception):
    """Stands for the kill signal (or a full disk) that stops a long seed."""


def _kill_at_estate(number: int):
    seen = {"estates": 0}

    def progress(size):
        seen["estates"] += 1
        if seen["estates"] == number:
            raise Killed
    return progress


def _city():
    """The seeded districts (finished or not) and what the seed wrote in them."""
    districts = District.objects.filter(name__startswith=seeding.NAME)
    units = Unit.objects.filter(estate__community__subdistrict__district__in=districts)
    return districts, units


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(seeding, "CHUNK", 100)


def test_an_interrupted_seed_leaves_an_unfinished_city_that_a_rerun_replaces(db, small_chunks):
    people_before, units_before = Person.objects.count(), Unit.objects.count()
    with pytest.raises(Killed):
        seeding.seed(UNITS, progress=_kill_at_estate(4))
    districts, units = _city()
    # the chunks before the fourth estate were committed: a part of the city, marked unfinished
    assert 0 < units.count() < UNITS and 2 <= Estate.objects.filter(units__in=units).distinct().count() <= 3
    assert districts.exists() and all(d.name.endswith(seeding.UNFINISHED) for d in districts)
    assert not AuditEntry.objects.filter(action="seed.generate").exists()
    partial = units.count()

    result = seeding.seed(UNITS)

    districts, units = _city()
    assert result.removed_units == partial and result.units == UNITS
    assert [d.name for d in districts] == [f"{seeding.NAME}{districts[0].pk}-1"]  # one city, finished
    assert units.count() == UNITS and Unit.objects.count() == units_before + UNITS
    assert Person.objects.count() == people_before + result.persons  # nobody left from the first run
    assert Ownership.objects.filter(unit__in=units).count() == result.ownerships
    assert PartyMember.objects.filter(person__ownerships__unit__in=units).distinct().count() == result.party_members
    audit = AuditEntry.objects.get(action="seed.generate")
    assert audit.after["removed_unfinished_units"] == partial


def test_the_rerun_writes_the_city_an_uninterrupted_run_writes(db, small_chunks):
    """With the same seed the replacement is the same city under the same names: nothing of the
    interrupted run shows, not even in the numbering."""
    with pytest.raises(Killed):
        seeding.seed(UNITS, progress=_kill_at_estate(6))
    rerun = seeding.seed(UNITS)
    names = sorted(Estate.objects.filter(community__subdistrict__district__name__startswith=seeding.NAME)
                   .values_list("community__subdistrict__district__name", "name", "household_count"))
    fresh_units = _city()[1].order_by("pk").values_list("code", "area")[:50]
    first_codes = list(fresh_units)
    districts, _units = _city()
    # remove it by hand and seed again, uninterrupted: the same city
    districts.update(name=districts[0].name + seeding.UNFINISHED)
    assert seeding.remove_unfinished() == UNITS and not _city()[1].exists()
    again = seeding.seed(UNITS)
    assert (again.units, again.persons, again.ownerships) == (rerun.units, rerun.persons, rerun.ownerships)
    assert sorted(Estate.objects.filter(community__subdistrict__district__name__startswith=seeding.NAME)
                  .values_list("community__subdistrict__district__name", "name", "household_count")) == names
    assert list(_city()[1].order_by("pk").values_list("code", "area")[:50]) == first_codes


def test_a_finished_city_is_kept_and_a_second_run_adds_another(db, small_chunks):
    """Only an unfinished city is removed: a finished one is data, and a second run adds a city."""
    seeding.seed(500)
    second = seeding.seed(500)
    districts, units = _city()
    assert second.removed_units == 0 and districts.count() == 2 and units.count() == 1000
    assert not any(d.name.endswith(seeding.UNFINISHED) for d in districts)


def test_the_command_says_what_it_removed(db, small_chunks, capsys):
    with pytest.raises(Killed):
        seeding.seed(UNITS, progress=_kill_at_estate(4))
    partial = _city()[1].count()
    call_command("seed", units=200)
    assert f"removed_unfinished={partial}" in capsys.readouterr().out
    assert _city()[1].count() == 200
