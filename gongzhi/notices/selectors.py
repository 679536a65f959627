"""Reads of notices and of the log, always through the scope filter.

Public notices need no login. A notice for an estate's residents is seen by those whose scope
includes the estate (its residents, owners, and the staff above it); a community's notice by
everyone whose estates lie in the community and by the community's staff.
"""

from django.db.models import Q, QuerySet

from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.notices.log import record_kinds
from gongzhi.notices.models import Audience, LogLeaf, Notice


def notices_visible(user) -> QuerySet:
    qs = Notice.objects.select_related("estate", "community", "supersedes").prefetch_related("attachments")
    scope = scope_for(user)
    if scope.is_root:
        return qs
    q = Q(audience=Audience.PUBLIC)
    if user.is_authenticated:
        estates = scope.estates()
        communities = scope.communities()
        q |= Q(estate__in=estates)
        q |= Q(community__in=communities)
        q |= Q(audience=Audience.COMMUNITY, community__in=estates.values("community_id"))
    return qs.filter(q)


def notice_get(*, fetched_by, notice_id: int) -> Notice:
    return get_in_scope(notices_visible(fetched_by).select_related("correction"), pk=notice_id)


def board(*, fetched_by, estate=None, community=None) -> tuple[list[Notice], list[Notice]]:
    """A notice board: (current, expired). An estate's board shows its community's notices too."""
    qs = notices_visible(fetched_by)
    if estate is not None:
        qs = qs.filter(Q(estate=estate) | Q(estate__isnull=True, community_id=estate.community_id))
    else:
        qs = qs.filter(community=community)
    notices = list(qs.select_related("correction").order_by("-pinned", "-published_at", "-id")[:500])
    current = [n for n in notices if not n.is_expired]
    expired = [n for n in notices if n.is_expired]
    return current, expired


def notice_list(*, fetched_by) -> QuerySet:
    """Newest first; each row says whether a correction superseded it (joined: not a query per row)."""
    return notices_visible(fetched_by).select_related("correction").order_by("-published_at", "-id")


def leaf_of(kind: str, ref_id: int) -> LogLeaf | None:
    return LogLeaf.objects.filter(kind=kind, ref_id=ref_id).first()


def leaf_indices(kind: str, ref_ids) -> dict[int, int]:
    return dict(LogLeaf.objects.filter(kind=kind, ref_id__in=list(ref_ids)).values_list("ref_id", "index"))


def log_entries(*, fetched_by, start: int, end: int) -> list[tuple[LogLeaf, bool]]:
    """Leaves [start, end) with whether the reader may see the entry text (else only its hash)."""
    leaves = list(LogLeaf.objects.filter(index__gte=start, index__lt=end).order_by("index"))
    kinds = record_kinds()
    visible: set[tuple[str, int]] = set()
    by_kind: dict[str, list[int]] = {}
    for leaf in leaves:
        by_kind.setdefault(leaf.kind, []).append(leaf.ref_id)
    for name, ids in by_kind.items():
        if name in kinds:
            visible |= {(name, i) for i in kinds[name].visible_ids(fetched_by, ids)}
    return [(leaf, (leaf.kind, leaf.ref_id) in visible) for leaf in leaves]


def find(*, fetched_by, query: str, limit: int):
    """Notices the user may read, by title."""
    from django.urls import reverse

    from gongzhi.core.search import Hit

    found = notices_visible(fetched_by).filter(title__icontains=query).order_by("-pk")[:limit]
    return [Hit(n.title, n.get_kind_display(), reverse("notices:notice_detail", args=[n.pk])) for n in found]
