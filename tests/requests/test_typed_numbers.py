"""Phone and ID numbers typed into free text are personal data (issue 23): a request's description and
notes, an order's, a meeting's minutes and a matter's text show them in full only to the one who wrote
them and to the roles that may see people's contacts there (core.roles.PHONE_ROLES for the phones,
ID_NUMBER_ROLES for the ID numbers; a building head for his own building) — on the page and in the API."""

import pytest

from gongzhi.core.masking import SHOWN_ALL, SHOWN_NONE, SHOWN_PHONES, redact
from gongzhi.meetings.models import Matter, Meeting
from gongzhi.places.models import Building
from gongzhi.requests.models import Order, Request
from tests.helpers import PACIFIC

PHONE, ID = "+86 138 1234 5678", "410502196302187215"
PHONE_MASKED, ID_MASKED = "+86 138****5678", "410***********7215"
TYPED = f"楼道灯坏了，请联系 {PHONE}，身份证{ID}"

# who reads 李先生's request (building 2 of 太平洋花园) how
READERS = {
    "lixiansheng": SHOWN_ALL,  # the requester: his own words
    "shequ": SHOWN_ALL,  # community staff: ID_NUMBER_ROLES
    "guanliyuan": SHOWN_ALL,  # administrator
    "louzhang2": SHOWN_PHONES,  # building 2's head: his building's phones, not ID numbers
    "wangjingli": SHOWN_PHONES,  # the estate's property staff, who handle it
    "yanshuji": SHOWN_PHONES,  # the community's secretary
    "weiyuan": SHOWN_NONE,  # a committee member
    "zhaozhuren": SHOWN_NONE,  # the committee's chair
    "sunjiancha": SHOWN_NONE,  # the discipline supervisor
}


def _expect(body: str, shown: str) -> None:
    assert (PHONE in body) == (shown != SHOWN_NONE), body
    assert (PHONE_MASKED in body) == (shown == SHOWN_NONE)
    assert (ID in body) == (shown == SHOWN_ALL)
    assert (ID_MASKED in body) == (shown != SHOWN_ALL)


@pytest.fixture
def typed_request(world):
    req = Request.objects.filter(requester__username="lixiansheng", estate__name=PACIFIC, level=1,
                                 status="in_progress").order_by("pk").first()
    building = Building.objects.get(estate__name=PACIFIC, code="2")
    Request.objects.filter(pk=req.pk).update(description=TYPED, resolution_note=TYPED, building=building)
    req.events.update(note=TYPED)
    return req


@pytest.mark.parametrize("who", list(READERS))
def test_a_request_s_typed_numbers_on_the_page_and_in_the_api(login, typed_request, who):
    client = login(who)
    api = client.get(f"/api/v1/requests/{typed_request.pk}")
    page = client.get(f"/requests/{typed_request.pk}/")
    assert api.status_code == page.status_code == 200
    data = api.json()
    for text in (data["description"], data["resolution_note"], *[e["note"] for e in data["timeline"] if e["note"]]):
        _expect(text, READERS[who])
    _expect(page.content.decode(), READERS[who])
    listed = [r for r in client.get("/api/v1/requests?limit=100").json()["items"] if r["id"] == typed_request.pk]
    for row in listed:
        _expect(row["description"], READERS[who])


@pytest.mark.parametrize("who, shown", [
    ("lixiansheng", SHOWN_ALL), ("shequ", SHOWN_ALL), ("guanliyuan", SHOWN_ALL), ("yanshuji", SHOWN_PHONES),
    ("chen", SHOWN_NONE),  # a building head it was dispatched to, before he takes it: not his building's
    ("zhaozhuren", SHOWN_NONE),
])
def test_an_order_s_typed_numbers(login, world, who, shown):
    order = Order.objects.filter(requester__username="lixiansheng", estate__name=PACIFIC).order_by("pk").first()
    Order.objects.filter(pk=order.pk).update(description=TYPED, done_note=TYPED)
    client = login(who)
    api = client.get(f"/api/v1/orders/{order.pk}")
    page = client.get(f"/orders/{order.pk}/")
    assert api.status_code == page.status_code == 200
    _expect(api.json()["description"], shown)
    _expect(api.json()["done_note"], shown)
    _expect(page.content.decode(), shown)


@pytest.mark.parametrize("who, shown", [("zhaozhuren", SHOWN_NONE), ("weiyuan", SHOWN_NONE),
                                        ("wangjingli", SHOWN_PHONES), ("yanshuji", SHOWN_PHONES),
                                        ("guanliyuan", SHOWN_ALL)])
def test_minutes_and_a_matter_s_text(login, world, who, shown):
    meeting = Meeting.objects.filter(estate__name=PACIFIC).exclude(minutes="").order_by("pk").first() or \
        Meeting.objects.filter(estate__name=PACIFIC).order_by("pk").first()
    matter = Matter.objects.filter(estate__name=PACIFIC).order_by("pk").first()
    Meeting.objects.filter(pk=meeting.pk).update(minutes=TYPED)
    Matter.objects.filter(pk=matter.pk).update(description=TYPED)
    client = login(who)
    for api, page in ((f"/api/v1/meetings/{meeting.pk}", f"/meetings/{meeting.pk}/"),
                      (f"/api/v1/matters/{matter.pk}", f"/matters/{matter.pk}/")):
        got_api, got_page = client.get(api), client.get(page)
        assert got_api.status_code == got_page.status_code == 200, (api, got_api.status_code, got_page.status_code)
        _expect(got_api.content.decode(), shown)
        _expect(got_page.content.decode(), shown)


def test_redact_keeps_what_the_viewer_may_read():
    assert redact(TYPED, SHOWN_ALL) == TYPED
    assert redact(TYPED, SHOWN_PHONES) == f"楼道灯坏了，请联系 {PHONE}，身份证{ID_MASKED}"
    assert redact(TYPED, SHOWN_NONE) == redact(TYPED) == f"楼道灯坏了，请联系 {PHONE_MASKED}，身份证{ID_MASKED}"


@pytest.mark.parametrize("who, shown", [("shequ", SHOWN_ALL), ("yanshuji", SHOWN_PHONES), ("weiyuan", SHOWN_NONE),
                                        ("sunjiancha", SHOWN_NONE)])
def test_action_items_vote_descriptions_and_convention_comments_too(login, world, who, shown):
    """The texts that list several estates' items or residents' comments: each masked by its estate."""
    from gongzhi.meetings.models import ActionItem
    from gongzhi.votes.models import ArticleComment, Vote

    item = ActionItem.objects.filter(matter__estate__name=PACIFIC).first()
    ActionItem.objects.filter(pk=item.pk).update(text=f"联系 {PHONE} 身份证{ID}")
    vote = Vote.objects.filter(estate__name=PACIFIC).exclude(status="draft").first()
    Vote.objects.filter(pk=vote.pk).update(description=TYPED)
    comment = ArticleComment.objects.filter(article__convention__estate__name=PACIFIC).first()
    client = login(who)
    _expect(client.get(f"/matters/{item.matter_id}/").content.decode(), shown)
    _expect(client.get("/actions/").content.decode(), shown)
    actions = client.get(f"/api/v1/matters/{item.matter_id}").json()
    _expect(str(actions), shown)
    _expect(client.get(f"/votes/{vote.pk}/").content.decode(), shown)
    _expect(client.get(f"/api/v1/votes/{vote.pk}").json()["description"], shown)
    if comment is not None:
        ArticleComment.objects.filter(pk=comment.pk).update(text=TYPED)
        convention = comment.article.convention
        _expect(client.get(f"/conventions/{convention.pk}/").content.decode(), shown)
        texts = [c["text"] for a in client.get(f"/api/v1/conventions/{convention.pk}").json()["articles"]
                 for c in a["comments"]]
        _expect(" ".join(texts), shown)
