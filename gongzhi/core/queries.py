"""Small helpers for building querysets from optional filters."""

from django.db.models import BooleanField, F, Func, QuerySet, Subquery


def narrow(queryset: QuerySet, **lookups) -> QuerySet:
    """The queryset filtered by each lookup that was given; None, "" and an empty collection mean "not asked"."""
    given = {lookup: value for lookup, value in lookups.items() if not _absent(value)}
    return queryset.filter(**given) if given else queryset


def _absent(value) -> bool:
    return value is None or (isinstance(value, str | list | tuple | set | frozenset) and not value)


class AnyOf(Func):
    """`column` is one of the ids `subquery` selects, as a filter: `ANY(ARRAY(subquery))` on PostgreSQL, so the
    ids are gathered first and each is looked up in `column`'s index. Written as `IN (subquery)` the planner
    may instead hash the subquery's few thousand rows and read the whole other table (an estate's people:
    every ownership of the city). For short id lists only: the array is built in memory."""

    output_field = BooleanField()

    def __init__(self, column: str, subquery: QuerySet):
        super().__init__(F(column), Subquery(subquery.order_by()))  # a set: no model ordering, no join for it

    def as_sql(self, compiler, connection, **extra_context):
        (column, column_params), (select, select_params) = (compiler.compile(e) for e in self.source_expressions)
        template = "{} = ANY(ARRAY{})" if connection.vendor == "postgresql" else "{} IN {}"
        return template.format(column, select), (*column_params, *select_params)
