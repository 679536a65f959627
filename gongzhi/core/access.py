"""Access by id: the one way a service or page asks "this estate (or this object), if the actor may
act on it with one of these roles". Missing and out of sight answer the same NotFound (404);
visible but without the role answers PermissionDenied (403) with the rule's own message.

The system itself (actor None: jobs, management commands, the demo) may act everywhere."""

from django.db.models import QuerySet

from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.places.models import Estate


def may(actor, roles, estate) -> bool:
    """Does the actor hold one of `roles` at a place covering `estate`? Root and the system may."""
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.is_root or scope.holds_any(roles, estate)


def estate_for(actor, estate_id, *, roles, denied: str | None = None, queryset: QuerySet | None = None):
    """The estate `estate_id` if the actor sees it and holds one of `roles` over it."""
    base = queryset if queryset is not None else Estate.objects.select_related("community__subdistrict")
    if actor is None:
        return _any(base, estate_id)
    scope = scope_for(actor)
    estate = get_in_scope(base.filter(pk__in=scope.estates().values("pk")), pk=estate_id)
    if not (scope.is_root or scope.holds_any(roles, estate)):
        raise PermissionDenied(denied or "")
    return estate


def object_for(actor, queryset: QuerySet, pk, *, roles, denied: str | None = None):
    """An estate-owned object (it has `estate`) the actor sees and may act on with one of `roles`."""
    if actor is None:
        return _any(queryset, pk)
    scope = scope_for(actor)
    obj = get_in_scope(queryset.filter(estate__in=scope.estates()), pk=pk)
    if not (scope.is_root or obj.estate_id in scope.estate_ids(roles)):
        raise PermissionDenied(denied or "")
    return obj


def _any(queryset: QuerySet, pk):
    """For the system: the row, wherever it is; NotFound when missing or not an id."""
    try:
        return queryset.get(pk=int(pk))
    except (TypeError, ValueError, OverflowError, queryset.model.DoesNotExist):
        raise NotFound() from None
