"""Each persona sees on a vote's page exactly the forms the rules (votes.rules) allow: every form
shown posts without a 403, and a form the rules deny is not shown; a ballot's choice answers the
confirmation step, whose one form casts. One cell per persona × page."""

import pytest

from gongzhi.votes import rules, selectors
from gongzhi.votes.models import Vote
from tests.votes.page_forms import post_forms, submissions, submit

pytestmark = pytest.mark.usefixtures("world")

PERSONAS = ["wangayi", "lixiansheng", "zuhu", "zhaozhuren", "weiyuan", "chen", "louzhang2", "dangyuan",
            "wanggeyuan", "zhangjingli", "wangjingli", "shequ", "yanshuji", "sunjiancha", "lijing", "wuganbu",
            "liukezhang", "zhengbaobao", "zhoushenji", "guanliyuan"]
VOTES = {  # the demo's votes of 太平洋花园
    "open": "续聘太平洋物业服务有限公司",
    "closed": "更换小区监控系统（使用公共收益）",
    "election draft": "第三届业主委员会选举",
}


def action_of(form, button: str, page: str) -> str:
    """The action a vote page's form performs."""
    for end in ("announce", "close", "remind", "review"):
        if form.action.rstrip("/").endswith("/" + end):
            return end
    if form.action.rstrip("/").endswith("/candidates"):
        return "recommend" if "unit" in form.fields else "nominate"
    assert form.action == page, form.action
    return "ballot"


def allowed(user, vote: Vote) -> dict[str, bool]:
    organiser = rules.may_organise_vote(user, vote.estate)
    return {
        "announce": organiser, "close": organiser, "remind": organiser, "review": organiser, "recommend": organiser,
        "nominate": True,  # whoever sees an election's draft may put themself forward (or be told why not)
        "ballot": vote.is_open() and bool(selectors.my_ownerships(user, vote)),
    }


@pytest.mark.parametrize("state", list(VOTES))
@pytest.mark.parametrize("username", PERSONAS)
def test_vote_page_shows_only_the_forms_the_rules_allow(login, persona, username, state):
    user, vote = persona(username), Vote.objects.get(title=VOTES[state])
    client, page = login(username), f"/votes/{vote.pk}/"
    response = client.get(page)
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        return  # out of sight: no form at all
    rule = allowed(user, vote)
    shown = [(action_of(form, name, page), form, name, value)
             for form, name, value in submissions(response.content.decode(), page)]
    for action, *_ in shown:
        assert rule[action], f"{username} is shown “{action}”, which the rules deny"
    for action, form, name, value in shown:
        response = submit(client, form, name, value)
        assert response.status_code != 403, (username, action)
        if action == "ballot" and response.status_code == 200:  # choosing answers the confirmation step
            confirm = list(submissions(response.content.decode(), page))
            assert confirm and all(action_of(f, n, page) == "ballot" and f.data.get("confirm") == "1"
                                   for f, n, _v in confirm), username
            for f, n, v in confirm:
                assert submit(client, f, n, v).status_code == 302, username  # cast, on to the receipt


@pytest.mark.parametrize("username", PERSONAS)
def test_vote_list_offers_a_new_vote_only_to_organisers(login, persona, username):
    client = login(username)
    page = client.get("/votes/").content.decode()
    may = rules.may_organise_somewhere(persona(username))
    assert ('data-testid="new-vote"' in page) == may
    assert client.get("/votes/new/").status_code == (200 if may else 403)
    assert post_forms(page, "/votes/") == []
