"""Small helpers for building querysets from optional filters."""

from django.db.models import QuerySet


def narrow(queryset: QuerySet, **lookups) -> QuerySet:
    """The queryset filtered by each lookup that was given; None, "" and an empty collection mean "not asked"."""
    given = {lookup: value for lookup, value in lookups.items() if not _absent(value)}
    return queryset.filter(**given) if given else queryset


def _absent(value) -> bool:
    return value is None or (isinstance(value, str | list | tuple | set | frozenset) and not value)
