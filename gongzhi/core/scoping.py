"""The one scoping function: what a user may see.

`scope_for(user)` reads the user's current role assignments once and answers, as querysets that
can be used as subqueries, which estates, communities, units, persons, organisations, approvals
and audit entries the user may see. Every selector, page, API endpoint, admin list and export
filters through it; an object outside the scope answers 404 like a missing one.

Reach below an anchor depends on the role (core.roles): residents see their own units and their
estate's page; a building head the people of the building; staff roles everything in the estates
under their anchor; departments and auditors places and records but nobody's personal data.
"""

from functools import cached_property

from django.db.models import Exists, OuterRef, Q, QuerySet

from gongzhi.bodies.models import Membership, Organisation
from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.masking import SHOWN_ALL, SHOWN_NONE, SHOWN_PHONES
from gongzhi.core.models import Approval, AuditEntry
from gongzhi.core.queries import AnyOf
from gongzhi.core.roles import (
    AUDIT_ROLES,
    BUILDING_ROLES,
    FULL_ROLES,
    ID_NUMBER_ROLES,
    PERSONAL_ROLES,
    PHONE_ROLES,
    STAFF_ROLES,
    Role,
)
from gongzhi.people.models import Ownership, Person, Residency, RoleAssignment
from gongzhi.places.models import Building, Community, District, Estate, Subdistrict, Unit

NOTHING = Q(pk__in=[])
# Above this many households in view, lists of people are walked in order rather than gathered (Scope.wide).
WIDE_HOUSEHOLDS = 20_000


class Scope:
    def __init__(self, user):
        self.user = user
        self.is_root = bool(user.is_authenticated and user.is_active and user.is_superuser)
        if user.is_authenticated and user.is_active and user.pk is not None:
            self.assignments = _current_assignments(user.pk)
        else:
            self.assignments = []

    # --- roles ---------------------------------------------------------------------------
    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(a.role for a in self.assignments)

    def has_any(self, roles) -> bool:
        return self.is_root or bool(self.roles & set(roles))

    def _with(self, roles):
        if roles is None:
            return self.assignments
        return [a for a in self.assignments if a.role in roles]

    def only(self, roles) -> "Scope":
        """The same user seen through the assignments of these roles alone: what an administrator
        administers, rather than everything their other roles let them see."""
        narrowed = Scope.__new__(Scope)
        narrowed.user, narrowed.is_root = self.user, self.is_root
        narrowed.assignments = self._with(roles)
        return narrowed

    # --- places --------------------------------------------------------------------------
    @staticmethod
    def _estate_q(a) -> Q:
        if a.district_id:
            return Q(community__subdistrict__district_id=a.district_id)
        if a.subdistrict_id:
            return Q(community__subdistrict_id=a.subdistrict_id)
        if a.community_id:
            return Q(community_id=a.community_id)
        if a.grid_id:
            return Q(grid_id=a.grid_id)
        if a.estate_id:
            return Q(pk=a.estate_id)
        if a.building_id:
            return Q(pk=a.building_estate_id)
        return Q(pk=a.unit_estate_id)

    def estates(self, roles=None) -> QuerySet:
        """Estates whose page the user may open (for the given roles, default any role)."""
        if self.is_root:
            return Estate.objects.all()
        q = NOTHING
        for a in self._with(roles):
            q |= self._estate_q(a)
        return Estate.objects.filter(q)

    def covers(self, estate, roles=None) -> bool:
        """Does an assignment (of these roles) reach this estate? Answered in memory from the
        assignments already loaded — the same rule as `estates()` (the estate's community and
        subdistrict should be loaded with it)."""
        if self.is_root:
            return True
        community = estate.community
        for a in self._with(roles):
            if (a.estate_id == estate.pk or (a.community_id and a.community_id == estate.community_id)
                    or (a.subdistrict_id and a.subdistrict_id == community.subdistrict_id)
                    or (a.district_id and a.district_id == community.subdistrict.district_id)
                    or (a.grid_id and a.grid_id == estate.grid_id)
                    or (a.building_id and a.building_estate_id == estate.pk)
                    or (a.unit_id and a.unit_estate_id == estate.pk)):
                return True
        return False

    def estate_ids(self, roles=None) -> set[int]:
        """The ids of `estates(roles)`, read once per scope: a short list that later queries take as
        literals (an index lookup) instead of a subquery over the place tree the planner may materialise."""
        return self._estate_facts(roles)[0]

    def households(self, roles=None) -> int:
        """How many households the estates of `estates(roles)` hold: the size of what the user may see."""
        return self._estate_facts(roles)[1]

    def _estate_facts(self, roles) -> tuple[set[int], int]:
        key = ("estate_ids", frozenset(roles) if roles is not None else None)
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            rows = list(self.estates(roles).values_list("pk", "household_count"))
            cache[key] = ({pk for pk, _n in rows}, sum(n for _pk, n in rows))
        return cache[key]

    def communities(self, roles=None) -> QuerySet:
        """Communities the user covers as a whole (anchored at a community or above)."""
        if self.is_root:
            return Community.objects.all()
        return Community.objects.filter(self._covering(roles, [
            ("district_id", "subdistrict__district_id"), ("subdistrict_id", "subdistrict_id"), ("community_id", "pk")]))

    def subdistricts(self, roles=None) -> QuerySet:
        if self.is_root:
            return Subdistrict.objects.all()
        return Subdistrict.objects.filter(self._covering(roles, [("district_id", "district_id"), ("subdistrict_id", "pk")]))

    def districts(self, roles=None) -> QuerySet:
        if self.is_root:
            return District.objects.all()
        return District.objects.filter(self._covering(roles, [("district_id", "pk")]))

    def _covering(self, roles, lookups) -> Q:
        """Places covered as a whole by the assignments of `roles`: for each assignment, the first of
        `lookups` (anchor field, lookup) whose anchor it has; assignments anchored lower cover none."""
        q = NOTHING
        for a in self._with(roles):
            anchor = next(((field, lookup) for field, lookup in lookups if getattr(a, field)), None)
            if anchor is not None:
                q |= Q(**{anchor[1]: getattr(a, anchor[0])})
        return q

    def place_columns(self, roles) -> dict[str, list[int]]:
        """What the assignments of `roles` cover, as the place columns of a row that carries its estate,
        community and subdistrict (a request): {"subdistrict_id": [...], "community_id": [...],
        "estate_id": [...]}, each place once (an estate of a covered community is not listed again), so
        a list can walk each column's (place, created_at) index and count each row once."""
        key = ("place_columns", frozenset(roles))
        cache = self.__dict__.setdefault("_cache", {})
        if key in cache:
            return cache[key]
        districts, subdistricts, communities, grids, estates = set(), set(), set(), set(), set()
        for a in self._with(roles):
            for field, found in (("district_id", districts), ("subdistrict_id", subdistricts),
                                 ("community_id", communities), ("grid_id", grids), ("estate_id", estates),
                                 ("building_estate_id", estates), ("unit_estate_id", estates)):
                if getattr(a, field, None):
                    found.add(getattr(a, field))
                    break
        if districts:
            subdistricts |= set(Subdistrict.objects.filter(district_id__in=districts).values_list("pk", flat=True))
        if grids:
            estates |= set(Estate.objects.filter(grid_id__in=grids).values_list("pk", flat=True))
        if communities and subdistricts:
            communities -= set(Community.objects.filter(pk__in=communities, subdistrict_id__in=subdistricts)
                               .values_list("pk", flat=True))
        if estates and (communities or subdistricts):
            estates -= set(Estate.objects.filter(Q(community_id__in=communities)
                                                 | Q(community__subdistrict_id__in=subdistricts), pk__in=estates)
                           .values_list("pk", flat=True))
        cache[key] = {"subdistrict_id": sorted(subdistricts), "community_id": sorted(communities),
                      "estate_id": sorted(estates)}
        return cache[key]

    def buildings(self) -> QuerySet:
        return Building.objects.filter(estate__in=self.estates())

    # --- people --------------------------------------------------------------------------
    def units(self) -> QuerySet:
        """Units whose owners and residents the user may see."""
        if self.is_root:
            return Unit.objects.all()
        return Unit.objects.filter(self._unit_q())

    def _unit_q(self, prefix: str = "") -> Q:
        """`units()` as a condition on the unit's own columns (`prefix` leads to the unit from another
        row): the estates, buildings and flats as literal id lists, each answered by an index."""
        q = NOTHING
        for part in self._unit_parts(prefix):
            q |= part
        return q

    def _unit_parts(self, prefix: str = "") -> list[Q]:
        """The pieces of `_unit_q`, one per kind of place (for a union whose every part uses its index)."""
        estates, buildings = set(), set()
        if self.roles & FULL_ROLES:
            estates |= self.estate_ids(FULL_ROLES)
        for a in self._with(BUILDING_ROLES):
            if a.building_id:
                buildings.add(a.building_id)
            else:
                estates |= self.estate_ids([a.role])
        parts = []
        if estates:
            parts.append(Q(**{f"{prefix}estate_id__in": sorted(estates)}))
        if buildings:
            parts.append(Q(**{f"{prefix}building_id__in": sorted(buildings)}))
        if self.own_unit_ids:
            parts.append(Q(**{f"{prefix}id__in": sorted(self.own_unit_ids)}))
        return parts

    @cached_property
    def own_unit_ids(self) -> frozenset[int]:
        """The flats the user owns or lives in now, and those their personal roles are anchored at (one
        query, only for a user with a personal role)."""
        if not self.roles & PERSONAL_ROLES:
            return frozenset()
        own = Ownership.objects.filter(person__user=self.user, until__isnull=True).values_list("unit_id").order_by()
        lives = Residency.objects.filter(person__user=self.user, until__isnull=True).values_list("unit_id").order_by()
        anchored = {a.unit_id for a in self._with(PERSONAL_ROLES) if a.unit_id}
        return frozenset({unit for (unit,) in own.union(lives, all=True)} | anchored)

    @property
    def wide(self) -> bool:
        """Does the user see the people of more households than a list can gather before sorting them?
        Then lists of people walk an index in their order and check each row (persons() answers with
        EXISTS), instead of collecting everyone in scope first."""
        return bool(self.roles & FULL_ROLES) and self.households(FULL_ROLES) > WIDE_HOUSEHOLDS

    def persons(self) -> QuerySet:
        """The people the user may see: owners and residents of `units()`, members of the user's
        organisations' bodies (FULL_ROLES), and the user's own person. For a narrow scope one IN over
        the union of those (a few hundred ids, each source through its index); for a wide one
        (`wide`) the same rule row by row, so that a list in name or id order stops at its page."""
        if self.is_root:
            return Person.objects.all()
        if self.wide:
            return Person.objects.filter(self._person_q())
        sources = [model.objects.filter(AnyOf("unit_id", Unit.objects.filter(part).values("pk")), until__isnull=True)
                   .values_list("person_id").order_by() for part in self._unit_parts() for model in (Ownership, Residency)]
        if self.roles & FULL_ROLES:
            sources.append(Membership.objects.filter(organisation__in=self.organisations(FULL_ROLES), active=True)
                           .values_list("person_id").order_by())
        if self.user.is_authenticated:
            sources.append(Person.objects.filter(user=self.user).values_list("pk").order_by())
        if not sources:
            return Person.objects.none()
        return Person.objects.filter(pk__in=sources[0].union(*sources[1:], all=True))

    def _person_q(self) -> Q:
        """`persons()` as a condition checked person by person (EXISTS through the person's own indexes)."""
        units = self._unit_q("unit__")
        q = Q(Exists(Ownership.objects.filter(units, person_id=OuterRef("pk"), until__isnull=True)))
        q |= Q(Exists(Residency.objects.filter(units, person_id=OuterRef("pk"), until__isnull=True)))
        if self.roles & FULL_ROLES:
            q |= Q(Exists(Membership.objects.filter(person_id=OuterRef("pk"), active=True,
                                                    organisation__in=self.organisations(FULL_ROLES))))
        if self.user.is_authenticated:
            q |= Q(user=self.user)
        return q

    def persons_among(self, ids) -> QuerySet:
        """The people of `ids` (a short list) the user may see — the same answer as persons().filter(pk__in=
        ids), reached the cheap way: for a wide scope each candidate's current flats, memberships and login
        are looked up by its own id and checked against the user's units (`_person_q`), instead of first
        gathering everyone the user may see; for a narrow one, the few the user sees."""
        candidates = Person.objects.filter(pk__in=list(ids))
        if self.is_root:
            return candidates
        if not self.wide:  # what the user sees is smaller than the candidates' checks would read
            return candidates & self.persons()
        return candidates.filter(self._person_q())

    def can_unmask(self, field: str, estate_ids) -> bool:
        """May the full phone ('phone') or ID number ('id_number') be shown for a person of these estates?"""
        if self.is_root:
            return True
        roles = PHONE_ROLES if field == "phone" else ID_NUMBER_ROLES
        if not self.roles & roles:
            return False
        return bool(self.estate_ids(roles) & set(estate_ids))

    def contacts_shown(self, estate_id, building_id=None) -> str:
        """How much of the phone and ID numbers typed into free text about this estate (and building)
        the viewer reads in full — for `masking.redact(text, shown)`: everything for ID_NUMBER_ROLES,
        the phones for PHONE_ROLES, nothing for everyone else (the one who wrote it reads it all: the
        caller knows). As `can_unmask`, but a building head reads in full only his building's."""
        if self.is_root:
            return SHOWN_ALL
        for roles, shown in ((ID_NUMBER_ROLES, SHOWN_ALL), (PHONE_ROLES, SHOWN_PHONES)):
            wide = (roles - BUILDING_ROLES) & self.roles
            if wide and estate_id in self.estate_ids(wide):
                return shown
            if building_id and any(a.building_id == building_id for a in self._with(roles & BUILDING_ROLES)):
                return shown
        return SHOWN_NONE

    # --- organisations and records --------------------------------------------------------
    def organisations(self, roles=None) -> QuerySet:
        """Organisations of the user's estates and of the places above them."""
        if self.is_root:
            return Organisation.objects.all()
        estates = self.estates(roles)
        q = Q(estate__in=estates)
        q |= Q(estate__isnull=True, community__in=estates.values("community_id"))
        q |= Q(estate__isnull=True, community__isnull=True, subdistrict__in=estates.values("community__subdistrict_id"))
        q |= Q(
            estate__isnull=True,
            community__isnull=True,
            subdistrict__isnull=True,
            district__in=estates.values("community__subdistrict__district_id"),
        )
        if Role.DEPARTMENT_OFFICER in self.roles:
            q |= Q(district__in=[a.district_id for a in self._with([Role.DEPARTMENT_OFFICER]) if a.district_id])
        return Organisation.objects.filter(q)

    def approvals(self) -> QuerySet:
        if self.is_root:
            return Approval.objects.all()
        q = NOTHING
        if self.roles & STAFF_ROLES:
            q |= Q(estate_id__in=sorted(self.estate_ids(STAFF_ROLES)))
        if self.user.is_authenticated:
            q |= Q(created_by=self.user)
        return Approval.objects.filter(q)

    def holds(self, role: str, estate) -> bool:
        """Does the user hold `role` at a place that covers this estate?"""
        return self.holds_any((role,), estate)

    def holds_any(self, roles, estate) -> bool:
        """Does the user hold one of `roles` at a place that covers this estate?"""
        held = self.roles & set(roles)
        return bool(held) and estate.pk in self.estate_ids(held)

    def audit_entries(self) -> QuerySet:
        if self.is_root:
            return AuditEntry.objects.all()
        if not self.roles & AUDIT_ROLES:
            return AuditEntry.objects.none()
        estates = self.estates(AUDIT_ROLES)
        q = Q(estate_id__in=sorted(self.estate_ids(AUDIT_ROLES)))
        q |= Q(community_id__in=self.communities(AUDIT_ROLES).values("pk"))
        q |= Q(estate_id__isnull=True, community_id__in=estates.values("community_id"))
        return AuditEntry.objects.filter(q)


def _current_assignments(user_id: int) -> list:
    """The user's role assignments in force today, each carrying the estate of its building or unit
    anchor (`building_estate_id`, `unit_estate_id`). Every logged-in request reads this, so it is one
    hand-written query rather than an ORM join compiled anew each time (about 0.5 ms less per request;
    the same rule as RoleAssignment.objects.current())."""
    today = clock.today()
    sql = (f"SELECT ra.*, b.estate_id AS building_estate_id, u.estate_id AS unit_estate_id "
           f"FROM {RoleAssignment._meta.db_table} ra "
           f"LEFT JOIN {Building._meta.db_table} b ON b.id = ra.building_id "
           f"LEFT JOIN {Unit._meta.db_table} u ON u.id = ra.unit_id "
           f"WHERE ra.user_id = %s AND ra.valid_from <= %s AND (ra.valid_until IS NULL OR ra.valid_until >= %s) "
           f"ORDER BY ra.id")
    return list(RoleAssignment.objects.raw(sql, [user_id, today, today]))


def scope_for(user) -> Scope:
    """The user's scope, computed once per user object (a request's user lives one request)."""
    scope = getattr(user, "_gongzhi_scope", None)
    if scope is None:
        scope = Scope(user)
        try:
            user._gongzhi_scope = scope
        except AttributeError:  # AnonymousUser instances are shared; don't cache on them
            pass
    return scope


def forget_scope(user) -> None:
    user.__dict__.pop("_gongzhi_scope", None)


def get_in_scope(queryset: QuerySet, **lookup):
    """One object from a scoped queryset, or NotFound — the same answer for hidden and missing."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def holders(roles, estate, *, building_id: int | None = None) -> set[int]:
    """Ids of the users who currently hold one of `roles` at a place covering this estate (for
    building-anchored roles: covering this building when one is given). Hand-written like
    `_current_assignments`: every routed request and most notifications ask it."""
    from django.db import connection


    roles = sorted(roles)
    if not roles:
        return set()
    community = estate.community
    today = clock.today()
    places = ["ra.estate_id = %s", "ra.community_id = %s", "ra.subdistrict_id = %s", "ra.district_id = %s"]
    params = [estate.pk, estate.community_id, community.subdistrict_id, community.subdistrict.district_id]
    if estate.grid_id:
        places.append("ra.grid_id = %s")
        params.append(estate.grid_id)
    if building_id:
        places += ["ra.building_id = %s", "u.building_id = %s"]
        params += [building_id, building_id]
    else:
        places += ["b.estate_id = %s", "u.estate_id = %s"]
        params += [estate.pk, estate.pk]
    sql = (f"SELECT DISTINCT ra.user_id FROM {RoleAssignment._meta.db_table} ra "
           f"LEFT JOIN {Building._meta.db_table} b ON b.id = ra.building_id "
           f"LEFT JOIN {Unit._meta.db_table} u ON u.id = ra.unit_id "
           f"WHERE ra.role IN ({', '.join(['%s'] * len(roles))}) "
           f"AND ra.valid_from <= %s AND (ra.valid_until IS NULL OR ra.valid_until >= %s) "
           f"AND ({' OR '.join(places)})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*roles, today, today, *params])
        return {row[0] for row in cursor.fetchall()}
