"""The inbox: paged, unread first, grouped into 未读 / 今天 / 更早; opening a page marks only what it
showed as read; a message about a request names the request (number and what it is about)."""

import datetime
import re

from gongzhi.core.models import Notification
from gongzhi.core.notifications import INBOX_PAGE
from gongzhi.requests.jobs import sweep
from gongzhi.requests.models import Request


def groups(page: str) -> list[tuple[str, int]]:
    return [(label.strip(), int(n)) for label, n in
            re.findall(r'data-testid="messages-\d+"><h2>([^<]+)<span class="count">(\d+)</span>', page)]


def test_the_inbox_is_paged_unread_first_and_marks_only_what_it_showed(login, persona, clock):
    clock.set("2026-12-07 10:00")
    wang = persona("wangayi")
    Notification.objects.filter(user=wang).delete()
    earlier = clock.now - datetime.timedelta(days=3)
    Notification.objects.bulk_create(
        [Notification(user=wang, title=f"旧消息 {i}", created_at=earlier - datetime.timedelta(minutes=i),
                      read_at=earlier) for i in range(INBOX_PAGE)]
        + [Notification(user=wang, title=f"今天已读 {i}", created_at=clock.now - datetime.timedelta(hours=1),
                        read_at=clock.now) for i in range(2)]
        + [Notification(user=wang, title=f"新消息 {i}", created_at=earlier - datetime.timedelta(days=1))
           for i in range(3)])  # unread, though older than everything read: they still come first
    client = login("wangayi")
    first = client.get("/inbox/").content.decode()
    assert groups(first) == [("未读", 3), ("今天", 2), ("更早", INBOX_PAGE - 5)]
    assert first.index("新消息 0") < first.index("今天已读 0") < first.index("旧消息 0")
    assert 'rel="next" href="?page=2"' in first
    assert Notification.objects.filter(user=wang, read_at__isnull=True).count() == 0
    second = client.get("/inbox/?page=2").content.decode()
    assert groups(second) == [("更早", 5)]
    # read now, the three take their place by date: the oldest, at the end
    assert second.index("旧消息 19") < second.index("新消息 0") and "今天已读" not in second


def test_unread_beyond_the_first_page_stays_unread_and_comes_first_next_time(login, persona, clock):
    wang = persona("wangayi")
    Notification.objects.filter(user=wang).delete()
    Notification.objects.bulk_create([Notification(user=wang, title=f"未读 {i}", created_at=clock.now
                                                    - datetime.timedelta(minutes=i)) for i in range(INBOX_PAGE + 4)])
    client = login("wangayi")
    client.get("/inbox/")
    assert Notification.objects.filter(user=wang, read_at__isnull=True).count() == 4
    again = client.get("/inbox/").content.decode()
    assert groups(again)[0] == ("未读", 4) and again.index(f"未读 {INBOX_PAGE + 3}") < again.index("未读 0")
    assert Notification.objects.filter(user=wang, read_at__isnull=True).count() == 0


def test_an_empty_inbox_says_so(login, persona):
    Notification.objects.filter(user=persona("wangayi")).delete()
    assert "暂无消息" in login("wangayi").get("/inbox/").content.decode()


def test_an_automatic_close_names_the_request_it_closed(persona, clock):
    resolved = Request.objects.filter(requester__username="wangayi", status="resolved").first()
    clock.set(resolved.resolved_at + datetime.timedelta(days=8))
    sweep()
    resolved.refresh_from_db()
    assert resolved.status == "closed"
    told = Notification.objects.filter(user=persona("wangayi")).order_by("-id").first()
    assert told.title == f"{resolved.headline} 已自动关闭"
    assert told.title.startswith(resolved.number) and resolved.description[:4] in told.title
