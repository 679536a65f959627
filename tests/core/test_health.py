"""The load balancer's checks: /healthz while the process is up, /readyz only when the database answers,
every migration is applied, the storage reads back what it wrote and the task queue's table answers — without a login, naming each check
and nothing more; over plain HTTP even where the site redirects to HTTPS."""

from unittest import mock

import pytest
from django.db import DatabaseError
from django.db.migrations.executor import MigrationExecutor

from gongzhi.core import health

pytestmark = pytest.mark.usefixtures("world")


def test_healthz_answers_without_a_login(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    assert "no-cache" in answer["Cache-Control"]


def test_readyz_names_each_check_when_all_pass(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "storage": "ok",
                                                        "queue": "ok"}}


def test_readyz_is_503_when_the_database_fails_and_says_no_more(client):
    with mock.patch.object(health, "CHECKS", {**health.CHECKS, "database": mock.Mock(side_effect=DatabaseError(
            "password authentication failed for user secret"))}):
        answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"] == {"database": "fail", "migrations": "ok", "storage": "ok", "queue": "ok"}
    assert b"secret" not in answer.content


def test_readyz_is_503_while_a_migration_is_unapplied(client):
    unapplied = [(object(), False)]
    with mock.patch.object(MigrationExecutor, "migration_plan", return_value=unapplied):
        answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["checks"]["migrations"] == "fail"


def test_readyz_is_503_when_the_storage_cannot_be_written(client, settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = str(blocked)
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["checks"]["storage"] == "fail"


def test_the_checks_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/login/").status_code == 301


def test_readyz_reads_the_queue_with_the_database_backend(client, settings, django_assert_num_queries):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert health._queue() is True
    with django_assert_num_queries(1):
        health._queue()


def test_readyz_is_503_when_the_queue_cannot_be_read(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    with mock.patch.object(DBTaskResult.objects, "order_by", side_effect=DatabaseError(
            'relation "django_tasks_database_dbtaskresult" does not exist')):
        answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["checks"]["queue"] == "fail"
    assert b"django_tasks" not in answer.content
