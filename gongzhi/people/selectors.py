"""Reads of people data that reach a user; all through the scope filter, all masked."""

from collections import defaultdict

from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from gongzhi.core.queries import AnyOf
from gongzhi.core.roles import FULL_ROLES, PERSONAL_ROLES, Role
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.people.masking import person_contact
from gongzhi.people.models import Ownership, Person, Residency, RoleAssignment
from gongzhi.places.models import Community, Unit


def person_list(*, fetched_by, estate_id: int | None = None, query: str = ""):
    """The people the user may see, by name; with `estate_id`, the estate's current owners among them —
    read from the estate's flats (an index), and checked person by person against the scope only when the
    user does not see that whole estate (a building head, a resident)."""
    scope = scope_for(fetched_by)
    if estate_id is not None:
        flats = Unit.objects.filter(estate_id=estate_id).values("pk")
        owners = Ownership.objects.filter(AnyOf("unit_id", flats), until__isnull=True).values("person_id")
        qs = Person.objects.filter(pk__in=owners)
        if not scope.is_root and estate_id not in scope.estate_ids(FULL_ROLES):
            # The user sees part of the estate: the few people they see, among its owners (a wide scope:
            # each owner checked against it).
            qs = (scope.persons_among(qs.values_list("pk", flat=True)) if scope.wide
                  else scope.persons().filter(pk__in=owners))
        if query:
            qs = qs.filter(name__icontains=query)
        # An estate's owners are few: gathered, then sorted. Sorted by an expression the name index cannot
        # serve, so the planner does not walk the city's people in name order looking for them.
        return qs.order_by(Coalesce("name", Value("")), "id")
    qs = scope.persons()
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.order_by("name", "id")


def person_estate_ids(person_ids) -> dict[int, set[int]]:
    """Estates in which each person currently owns or lives, for masking decisions (one query)."""
    result: dict[int, set[int]] = defaultdict(set)
    for model in (Ownership, Residency):
        rows = model.objects.filter(person_id__in=person_ids, until__isnull=True).values_list(
            "person_id", "unit__estate_id"
        )
        for person_id, estate_id in rows:
            result[person_id].add(estate_id)
    return result


def persons_out(*, fetched_by, persons) -> list[dict]:
    """Persons as the viewer may see them: phone and ID number masked unless the role needs them."""
    scope = scope_for(fetched_by)
    persons = list(persons)
    estates = person_estate_ids([p.pk for p in persons])
    out = []
    for p in persons:
        out.append(
            {
                "id": p.pk,
                "name": p.name,
                "kind": p.kind,
                **person_contact(scope, p, estates.get(p.pk, set())),
            }
        )
    return out


def person_get(*, fetched_by, person_id: int) -> Person:
    return get_in_scope(scope_for(fetched_by).persons(), pk=person_id)


def unit_owners(*, fetched_by, unit_ids) -> dict[int, list[Person]]:
    """Current owners of each unit the viewer may see people of (one query)."""
    scope = scope_for(fetched_by)
    rows = (
        Ownership.objects.filter(unit__in=scope.units(), unit_id__in=unit_ids, until__isnull=True)
        .select_related("person")
        .order_by("unit_id", "id")
    )
    result: dict[int, list[Person]] = defaultdict(list)
    for row in rows:
        result[row.unit_id].append(row.person)
    return result


def my_units(*, fetched_by):
    """The units the user owns or lives in (home page of residents and owners)."""
    if not fetched_by.is_authenticated:
        return Unit.objects.none()
    own = Ownership.objects.filter(person__user=fetched_by, until__isnull=True).values_list("unit_id").order_by()
    lives = Residency.objects.filter(person__user=fetched_by, until__isnull=True).values_list("unit_id").order_by()
    # One IN over the union (the person's few flats), not an OR of two subqueries, which the planner
    # answers by walking every unit of the city in code order.
    return Unit.objects.filter(pk__in=own.union(lives, all=True)).select_related("estate").order_by("code")


def role_assignment_list(*, fetched_by):
    """Role assignments the viewer may see: their own, and, for administrators, those in scope."""
    scope = scope_for(fetched_by)
    qs = RoleAssignment.objects.select_related(
        "user", "district", "subdistrict", "community", "grid", "estate", "building__estate", "unit__estate"
    )
    if scope.is_root:
        return qs
    q = Q(user=fetched_by)
    if Role.ADMINISTRATOR in scope.roles:
        estates = scope.estates([Role.ADMINISTRATOR])
        communities = scope.communities([Role.ADMINISTRATOR])
        q |= Q(estate__in=estates) | Q(building__estate__in=estates) | Q(unit__estate__in=estates)
        q |= Q(community__in=communities) | Q(grid__community__in=communities)
    return qs.filter(q)



def ownership_history(*, fetched_by, unit_id: int):
    """Every title the unit has had, newest first (the unit must be one whose people the viewer sees)."""
    unit = get_in_scope(scope_for(fetched_by).units().select_related("estate", "building"), pk=unit_id)
    titles = Ownership.objects.filter(unit=unit).select_related("person").order_by(
        F("until").desc(nulls_first=True), F("since").desc(nulls_last=True), "-pk")
    return unit, titles


def owners_on(*, fetched_by, unit_id: int, day):
    """The unit's owners on `day` (both ends of a title included: on a transfer day, the new owner)."""
    unit = get_in_scope(scope_for(fetched_by).units(), pk=unit_id)
    return Ownership.objects.filter(unit=unit).on(day).select_related("person").order_by("pk")


def community_role_assignments(*, community: Community, current_only: bool = True):
    """Role assignments anchored at the community or below it (the caller has checked the viewer may
    grant there), newest first."""
    q = (Q(community=community) | Q(grid__community=community) | Q(estate__community=community)
         | Q(building__estate__community=community) | Q(unit__estate__community=community))
    qs = RoleAssignment.objects.filter(q).exclude(role__in=PERSONAL_ROLES).select_related(
        "user", "community", "grid", "estate", "building__estate", "unit__estate")
    if current_only:
        qs = qs.current()
    return qs.order_by("-valid_from", "-pk")


def community_cadres(community: Community):
    """Persons registered as cadres of a community: whose login holds a staff role (FULL_ROLES) at the
    community, its subdistrict or district, or at one of its grids and estates; and the party members
    registered (双报到) in it. An organiser of the community may seat them on its bodies without
    seeing them elsewhere."""
    subdistrict = community.subdistrict
    held = RoleAssignment.objects.current().filter(role__in=FULL_ROLES).filter(
        Q(community=community) | Q(subdistrict_id=community.subdistrict_id) | Q(district_id=subdistrict.district_id)
        | Q(grid__community=community) | Q(estate__community=community))
    return Person.objects.filter(
        Q(user__in=held.values("user_id")) | Q(party_member__registered_community=community))


# --- search ----------------------------------------------------------------------------------------
NAME_CHUNK, NAME_CHUNKS = 2000, 10


def _by_name_in_scope(scope, start: str, wanted: int) -> list:
    """People whose name starts with `start` and whom the scope covers, in name order: the names first
    (an index walk over the city's people, a chunk at a time), then the scope checked on those few ids —
    the scope alone, for a district, is a city-sized set the database would build for every search."""
    found, after = [], None
    for _chunk in range(NAME_CHUNKS):
        names = Person.objects.filter(name__startswith=start).order_by("name", "pk")
        if after is not None:
            names = names.filter(Q(name__gt=after[0]) | Q(name=after[0], pk__gt=after[1]))
        chunk = list(names.values_list("name", "pk")[:NAME_CHUNK])
        if not chunk:
            break
        found += list(scope.persons_among(pk for _name, pk in chunk).order_by("name", "pk")[: wanted - len(found)])
        if len(found) >= wanted or len(chunk) < NAME_CHUNK:
            break
        after = chunk[-1]
    return found


def find(*, fetched_by, query: str, limit: int):
    """People by the start of their name (a surname, a full name: an index walk, not a scan of the city's
    people), or by four or more digits of their phone — the phone only for a user whose role may read
    those people's phones, so the box cannot be used to learn a number; each shown masked as the user's
    role requires, with the flats they own or live in. A query with digits that is not a phone fragment (an
    address, a request number) is for the other finders."""
    from django.urls import reverse

    from gongzhi.core.roles import PHONE_ROLES
    from gongzhi.core.search import Hit, digits

    scope = scope_for(fetched_by)
    number = digits(query)
    bare = query.replace(" ", "").replace("-", "")
    if len(number) >= 4 and len(number) == len(bare) and not (query.count("-") == 2 and len(number) < 11):
        if not scope.has_any(PHONE_ROLES):
            return []
        persons = list(scope.persons().filter(phone__contains=number).order_by("name", "pk")[: limit * 3])
    elif number:
        return []  # "5-1-302", "SQ149": an address or a request number, for the other finders
    else:
        persons = _by_name_in_scope(scope, query.strip(), limit * 3)
    estates = person_estate_ids([p.pk for p in persons])
    if len(number) >= 4:
        persons = [p for p in persons if scope.can_unmask("phone", estates.get(p.pk, set()))]
    units = defaultdict(list)
    for person_id, unit_id, code, estate in Ownership.objects.filter(
            person_id__in=[p.pk for p in persons], until__isnull=True).values_list(
            "person_id", "unit_id", "unit__code", "unit__estate__name"):
        units[person_id].append((unit_id, f"{estate} {code}"))
    hits = []
    for p in persons[:limit]:
        contact = person_contact(scope, p, estates.get(p.pk, set()))
        flats = units.get(p.pk, [])
        url = reverse("people:unit_ownership", args=[flats[0][0]]) if flats else ""
        hits.append(Hit(p.name, " · ".join([contact["phone"] or "", *[label for _pk, label in flats]]).strip(" ·"), url))
    return hits
