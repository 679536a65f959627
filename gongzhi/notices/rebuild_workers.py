"""The worker processes of `verify --all` (rebuild.py): each checks whole chunks of the log with its
own database connection. Imports nothing from Django at module level: a worker is a fresh
interpreter (spawned, never forked, so no connection or lock of the parent is shared) and sets
Django up first."""

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context


@contextmanager
def pool(workers: int, alias: str, database_name: str) -> Iterator[ProcessPoolExecutor]:
    """Worker processes reading the same database as this one (the test runner renames it at run
    time). Left to exit by themselves: the caller has what it needs by the time it leaves."""
    executor = ProcessPoolExecutor(
        max_workers=workers, mp_context=get_context("spawn"), initializer=_start, initargs=(alias, database_name)
    )
    try:
        yield executor
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


def _start(alias: str, database_name: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    import django

    django.setup()
    from django.db import connections

    connections[alias].settings_dict["NAME"] = database_name
