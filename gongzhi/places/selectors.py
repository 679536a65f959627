"""Reads of places that reach a user, all through the scope filter."""

import re

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.places.models import Building, Community, District, Estate, Grid, Unit


def estate_list(*, fetched_by, community_id: int | None = None, query: str = ""):
    qs = scope_for(fetched_by).estates().select_related("community__subdistrict", "grid")
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.order_by("community__name", "name")


def estate_get(*, fetched_by, estate_id: int) -> Estate:
    qs = scope_for(fetched_by).estates().select_related("community__subdistrict__district", "grid")
    return get_in_scope(qs, pk=estate_id)


def natural_key(code: str) -> tuple:
    """'2' before '10', as people number buildings. Only ASCII digits count as numbers ("3²" or "３"
    stay text), and numbers and text never meet in one position (a number sorts before text there),
    so no code, however odd, can make the sort fail."""
    return tuple((0, int(part), "") if i % 2 else (1, 0, part)
                 for i, part in enumerate(re.split(r"([0-9]+)", code or "")) if part or i % 2)


def estate_buildings(*, estate: Estate) -> list[Building]:
    """Buildings of an estate (already in scope) with unit counts, one query, in natural order."""
    buildings = Building.objects.filter(estate=estate).annotate(unit_count=Count("units"))
    return sorted(buildings, key=lambda b: natural_key(b.code))


def building_get(*, fetched_by, building_id: int) -> Building:
    qs = scope_for(fetched_by).buildings().select_related("estate__community")
    return get_in_scope(qs, pk=building_id)


def unit_list(*, fetched_by, estate_id: int | None = None, building_id: int | None = None):
    """Units whose people the viewer may see (residents: their own; staff: their estates')."""
    qs = scope_for(fetched_by).units().select_related("building", "entrance", "estate")
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    if building_id is not None:
        qs = qs.filter(building_id=building_id)
    return qs.order_by("estate_id", "code")


def unit_get(*, fetched_by, unit_id: int) -> Unit:
    return get_in_scope(scope_for(fetched_by).units().select_related("estate", "building"), pk=unit_id)


def community_list(*, fetched_by):
    return scope_for(fetched_by).communities().select_related("subdistrict").order_by("name")


def community_get(*, fetched_by, community_id: int) -> Community:
    return get_in_scope(community_list(fetched_by=fetched_by), pk=community_id)


def community_estates(*, community: Community):
    return (
        Estate.objects.filter(community=community).annotate(building_count=Count("buildings")).order_by("name")
    )


def community_grids(*, community: Community):
    """A community's grids (the community already in scope) with their estate counts."""
    return Grid.objects.filter(community=community).annotate(estate_count=Count("estates")).order_by("name")


def grid_list(*, fetched_by, community_id: int | None = None):
    """Grids of the communities the viewer sees estates of."""
    scope = scope_for(fetched_by)
    qs = Grid.objects.filter(
        Q(community__in=scope.communities()) | Q(community__in=scope.estates().values("community_id"))
    ).select_related("community")
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    return qs.order_by("community__name", "name", "pk")


def district_list(*, fetched_by):
    scope = scope_for(fetched_by)
    if scope.is_root:
        return District.objects.order_by("name")
    ids = {a.district_id for a in scope.assignments if a.district_id}
    return District.objects.filter(Q(pk__in=ids) | Q(subdistricts__in=scope.subdistricts())).distinct().order_by("name")


def subdistrict_list(*, fetched_by):
    return scope_for(fetched_by).subdistricts().select_related("district").annotate(
        community_count=Count("communities", distinct=True),
        estate_count=Count("communities__estates", distinct=True),
    ).order_by("name")



def unit_search(*, fetched_by, estate_id: int, query: str, limit: int = 50):
    """Units of an estate by number or current owner's name, among those the viewer may see."""
    query = query.strip()[:50]
    if not query:
        return Unit.objects.none()
    match = Q(code__icontains=query) | Q(ownerships__person__name__icontains=query, ownerships__until__isnull=True)
    ids = unit_list(fetched_by=fetched_by, estate_id=estate_id).filter(match).values("pk")
    return Unit.objects.filter(pk__in=ids).select_related("building").order_by("code")[:limit]


# --- search ----------------------------------------------------------------------------------------
ADDRESS = re.compile(r"(\d+)\s*-\s*(\d+)\s*-\s*(\d+)")  # 5-1-302: building, entrance, room
BUILDING = re.compile(r"(\d+)\s*(?:号楼|栋|幢|号)")  # 5号楼


def find(*, fetched_by, query: str, limit: int):
    """Estates by name; a building as "义乌城 5号楼"; a flat as "5-1-302" (with or without the estate's
    name) among the flats whose people the user may see."""
    from django.urls import reverse

    from gongzhi.core.search import Hit

    scope = scope_for(fetched_by)
    words = re.sub(r"\d+\s*-\s*\d+\s*-\s*\d+|\d+\s*(?:号楼|栋|幢|号)", " ", query).split()
    estates = scope.estates()
    for word in words:
        estates = estates.filter(name__icontains=word)
    hits = []
    address = ADDRESS.search(query)
    if address:
        code = "-".join(address.groups())
        units = scope.units().filter(code=code).select_related("estate")
        if words:
            units = units.filter(estate__in=estates)
        hits += [Hit(f"{u.estate.name} {u.code}", str(_("房屋")), reverse("people:unit_ownership", args=[u.pk]))
                 for u in units.order_by("estate__name")[:limit]]
    building = BUILDING.search(query)
    if building and not address:
        found = Building.objects.filter(estate__in=estates, code=building[1]).select_related("estate")
        hits += [Hit(f"{b.estate.name} {b.code}号楼", str(_("楼栋")), reverse("places:building_detail", args=[b.pk]))
                 for b in found.order_by("estate__name")[:limit]]
    if words and not address and not building:
        hits += [Hit(e.name, str(_("小区")), reverse("places:estate_detail", args=[e.pk]))
                 for e in estates.order_by("name")[:limit]]
    return hits[:limit]
