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

from django.db.models import Q, QuerySet

from gongzhi.bodies.models import Membership, Organisation
from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.masking import SHOWN_ALL, SHOWN_NONE, SHOWN_PHONES
from gongzhi.core.models import Approval, AuditEntry
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
        key = ("estate_ids", frozenset(roles) if roles is not None else None)
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            cache[key] = set(self.estates(roles).values_list("pk", flat=True))
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

    def buildings(self) -> QuerySet:
        return Building.objects.filter(estate__in=self.estates())

    # --- people --------------------------------------------------------------------------
    def units(self) -> QuerySet:
        """Units whose owners and residents the user may see."""
        if self.is_root:
            return Unit.objects.all()
        q = NOTHING
        if self.roles & FULL_ROLES:
            q |= Q(estate__in=self.estates(FULL_ROLES))
        for a in self._with(BUILDING_ROLES):
            q |= Q(building_id=a.building_id) if a.building_id else Q(estate__in=self.estates([a.role]))
        if self.roles & PERSONAL_ROLES:
            own = Ownership.objects.filter(person__user=self.user, until__isnull=True).values("unit_id")
            lives = Residency.objects.filter(person__user=self.user, until__isnull=True).values("unit_id")
            q |= Q(pk__in=own) | Q(pk__in=lives)
            q |= Q(pk__in=[a.unit_id for a in self._with(PERSONAL_ROLES) if a.unit_id])
        return Unit.objects.filter(q)

    def persons(self) -> QuerySet:
        if self.is_root:
            return Person.objects.all()
        units = self.units()
        q = Q(pk__in=Ownership.objects.filter(unit__in=units, until__isnull=True).values("person_id"))
        q |= Q(pk__in=Residency.objects.filter(unit__in=units, until__isnull=True).values("person_id"))
        if self.roles & FULL_ROLES:
            orgs = self.organisations(FULL_ROLES)
            q |= Q(pk__in=Membership.objects.filter(organisation__in=orgs, active=True).values("person_id"))
        if self.user.is_authenticated:
            q |= Q(user=self.user)
        return Person.objects.filter(q)

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
            q |= Q(estate__in=self.estates(STAFF_ROLES))
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
        q = Q(estate_id__in=estates.values("pk"))
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
