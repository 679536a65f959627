"""One at a time for a key until the transaction ends: for checks that must see every earlier write of the
same kind but have no row to lock yet (the first SMS code of a mobile, the first request to a payee).

PostgreSQL: a transaction-level advisory lock on the key's hash — other keys go on. SQLite: its IMMEDIATE
transactions already let one writer in at a time. Any other database: the `fallback` row, if given."""

from django.db import connection


def hold(key: str, *, fallback=None) -> None:
    """Wait for, then hold until commit or rollback, the lock named `key` (inside transaction.atomic)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
    elif connection.vendor != "sqlite" and fallback is not None:
        type(fallback).objects.select_for_update(no_key=True).get(pk=fallback.pk)
