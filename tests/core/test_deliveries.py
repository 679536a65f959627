"""The notification outbox: a delivery per outside channel written with the change (none if it rolls back),
sent by a task after the commit — never inside the user's request —, retried with backoff when the provider
fails, given up after the set number of attempts and resent by an administrator; sent once when workers race
for it, and taken over when a worker's claim is left by a crash."""

import datetime
import threading
import time

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection, transaction

from gongzhi.core import notifications
from gongzhi.core.models import Delivery, DeliveryStatus, Notification

pytestmark = pytest.mark.usefixtures("world")
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SENT: list[str] = []


class Flaky:
    """A provider that fails its first `failures` sends, then accepts; it records each accepted key."""

    failures = 2
    calls = 0
    delay = 0.0

    def send(self, row, *, key=""):
        type(self).calls += 1
        if self.delay:
            time.sleep(self.delay)
        if type(self).calls <= self.failures:
            raise ConnectionError("provider unavailable")
        SENT.append(key)


flaky = Flaky()


@pytest.fixture
def provider(settings):
    SENT.clear()
    Flaky.calls, Flaky.failures, Flaky.delay = 0, 2, 0.0
    settings.GONGZHI_NOTIFICATION_CHANNELS = {"sms": "tests.core.test_deliveries.flaky"}
    return Flaky


def _notify_one(persona) -> Delivery:
    notifications.notify([persona("wangayi")], title="测试通知：楼道灯已修好")
    return Delivery.objects.get(notification__title="测试通知：楼道灯已修好", channel="sms")


def test_deliveries_are_written_with_the_change_and_not_at_all_if_it_rolls_back(persona, settings):
    before = Delivery.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        notifications.notify([persona("wangayi"), persona("chen")], title="不会发出的通知")
        raise RuntimeError("the change failed")
    assert Delivery.objects.count() == before and not Notification.objects.filter(title="不会发出的通知").exists()
    notifications.notify([persona("wangayi"), persona("chen")], title="会发出的通知")
    made = Delivery.objects.filter(notification__title="会发出的通知")
    assert sorted(made.values_list("channel", flat=True)) == sorted(list(settings.GONGZHI_NOTIFICATION_CHANNELS) * 2)
    assert set(made.values_list("status", flat=True)) == {DeliveryStatus.PENDING}


def test_after_the_commit_each_delivery_is_sent_once(persona, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify([persona("wangayi")], title="提交后发出")
    made = Delivery.objects.filter(notification__title="提交后发出")
    assert made.count() == 2 and set(made.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert all(d.delivered_at is not None and d.attempts == 1 for d in made)


def test_a_provider_that_fails_twice_is_retried_with_backoff_and_delivers_once(persona, provider, clock):
    clock.set("2026-12-07 09:00")
    delivery = _notify_one(persona)
    assert notifications.deliver.call(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.next_attempt_at == clock.now + datetime.timedelta(minutes=1)
    assert "provider unavailable" in delivery.last_error
    clock.set("2026-12-07 09:00:59")
    assert notifications.deliver.call(delivery.pk) == "not due or held elsewhere"
    clock.set("2026-12-07 09:01")
    assert notifications.deliver.call(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == clock.now + datetime.timedelta(minutes=2)
    clock.set("2026-12-07 09:03")
    assert notifications.deliver.call(delivery.pk) == "sent"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 3, "")
    assert SENT == [delivery.key] and provider.calls == 3
    assert notifications.deliver.call(delivery.pk) == "not due or held elsewhere"
    assert SENT == [delivery.key], "a delivered message is never sent again"


def test_after_the_last_attempt_staff_see_it_and_send_it_again(persona, provider, clock, settings, login,
                                                              django_capture_on_commit_callbacks):
    settings.GONGZHI_DELIVERY_ATTEMPTS = 2
    clock.set("2026-12-07 09:00")
    delivery = _notify_one(persona)
    notifications.deliver.call(delivery.pk)
    clock.set("2026-12-07 09:01")
    assert notifications.deliver.call(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    clock.set("2026-12-07 12:00")
    assert notifications.deliveries_sweep() == 0, "a failed delivery waits for a person"
    client = login("guanliyuan")
    page = client.get("/notifications/deliveries/").content.decode()
    assert f'data-delivery="{delivery.pk}"' in page and "测试通知：楼道灯已修好" in page and "provider unavailable" in page
    api = client.get("/api/v1/deliveries").json()
    assert delivery.pk in [d["id"] for d in api["items"]]
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/notifications/deliveries/", {"delivery": delivery.pk})
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and SENT == [delivery.key]
    from gongzhi.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="delivery.retry", subject_id=str(delivery.pk),
                                     actor__username="guanliyuan").exists()
    answer = client.post(f"/api/v1/deliveries/{delivery.pk}/retry")
    assert answer.status_code == 409 and "已送达" in answer.json()["detail"]


@pytest.mark.parametrize("username", ["yanshuji", "zhangjingli", "wangayi", "sunjiancha"])
def test_only_administrators_see_or_resend_deliveries(login, persona, username):
    delivery = _notify_one(persona)
    client = login(username)
    assert client.get("/notifications/deliveries/").status_code == 403
    assert client.get("/api/v1/deliveries").status_code == 403
    assert client.post(f"/api/v1/deliveries/{delivery.pk}/retry").status_code == 403
    assert "/notifications/deliveries/" not in client.get("/").content.decode()


def test_an_unknown_delivery_is_not_found(login):
    client = login("guanliyuan")
    assert client.post("/api/v1/deliveries/999999999/retry").status_code == 404
    assert client.post("/notifications/deliveries/", {"delivery": "x"}).status_code == 404


def test_a_claim_left_by_a_worker_that_died_is_taken_over_after_its_time(persona, provider, clock, settings):
    provider.failures = 0
    clock.set("2026-12-07 09:00")
    delivery = _notify_one(persona)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, claimed_at=clock.now, attempts=1)
    clock.set(clock.now + datetime.timedelta(seconds=settings.GONGZHI_DELIVERY_CLAIM_SECONDS))
    assert notifications.deliveries_sweep() == 0 and SENT == [], "a claim within its time is left alone"
    clock.set(clock.now + datetime.timedelta(seconds=1))
    assert notifications.deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and SENT == [delivery.key] and delivery.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_a_hung_provider_never_slows_the_users_request(persona, provider, settings, login):
    """With the production backend the request only writes the outbox; the worker waits for the provider."""
    settings.TASKS = DATABASE_TASKS
    provider.failures, provider.delay = 0, 3.0
    client = login("wangayi")
    started = time.monotonic()
    answer = client.post("/api/v1/requests", {"estate_id": persona("wangayi").person.ownerships.first().unit.estate_id,
                                              "category": "other", "description": "三号楼楼道灯不亮"},
                         content_type="application/json")
    took = time.monotonic() - started
    assert answer.status_code == 201, answer.content
    assert took < provider.delay, f"the request waited {took:.1f} s for the provider"
    assert SENT == [] and Delivery.objects.filter(status=DeliveryStatus.PENDING).exists()
    call_command("worker", batch=True, verbosity=0)
    assert SENT and Delivery.objects.filter(notification__created_at__gte=answer.json()["created_at"]).exclude(
        status=DeliveryStatus.SENT).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_picking_the_same_delivery_send_it_once(persona, provider, settings):
    settings.TASKS = DATABASE_TASKS  # queued, not sent at the commit: the workers below race for it
    provider.failures, provider.delay = 0, 0.3
    delivery = _notify_one(persona)
    barrier, outcomes = threading.Barrier(6), []

    def worker():
        try:
            barrier.wait()
            outcomes.append(notifications.deliver.call(delivery.pk))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes).count("sent") == 1 and SENT == [delivery.key] and provider.calls == 1
