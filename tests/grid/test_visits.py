"""两访: the special-population register (the product's most sensitive data: only the assigned visitor,
the estate's grid worker and the community's staff see it — everyone else is told it is not there — and
every read of it is audited), frequencies per group, visits (在家 / 电话 / 未遇, which does not count),
overdue visits on the visitor's home page, needs to a request or an order, household visits beside the
中心户's."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from gongzhi.core.errors import InvalidInput, NotFound, WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.core.roles import Role
from gongzhi.grid import selectors, services
from gongzhi.grid.models import SpecialPerson, Visit
from gongzhi.people.models import RoleAssignment
from gongzhi.places.models import Grid
from gongzhi.requests.models import Order, Request
from tests.grid.helpers import special, user
from tests.helpers import PACIFIC, YIWU, estate, unit

GROUP_WORDS = ["独居老人", "空巢老人", "残疾人", "困难家庭", "重点关注", "elderly_alone", "disabled", "hardship"]


def other_grid_worker():
    """A grid worker of 第二网格 (太平洋花园): another grid's worker, not 义乌城's."""
    login = get_user_model().objects.create(username="wanggeyuan2", first_name="刘芳")
    RoleAssignment.objects.create(user=login, role=Role.GRID_WORKER, grid=Grid.objects.get(name="第二网格"),
                                  valid_from=datetime.date(2020, 1, 1))
    return login


def reads(actor=None):
    rows = AuditEntry.objects.filter(action="special_person.read")
    if actor is not None:
        rows = rows.filter(actor=actor)
    return rows


def test_the_demo_register_and_its_overdue_elderly_resident(world, clock):
    assert SpecialPerson.objects.filter(estate__name=YIWU, active=True).count() == 6
    alone = special("3-2-602")
    specials = selectors.my_specials(user("wanggeyuan"))
    overdue = [s for s in specials if s.due.overdue_days]
    assert [s.pk for s in overdue] == [alone.pk]  # last met 12 days ago, due every 7
    assert overdue[0].due.overdue_days == 5
    assert Visit.objects.filter(special=special("2-1-101"), request__isnull=False).count() == 1
    assert Visit.objects.filter(special=special("8-1-301"), order__isnull=False).count() == 1


def test_overdue_visits_show_on_the_visitors_home_page_as_a_count(login):
    page = login("wanggeyuan").get("/").content.decode()
    assert 'data-testid="card-visits"' in page and "有 1 位走访对象已超期未走访" in page
    assert special("3-2-602").person.name not in page  # names are behind the link, where reads are audited
    he = login("dangyuan").get("/").content.decode()  # 何敏 visits one empty-nest couple: nothing overdue
    assert 'data-testid="card-visits"' in he and "走访对象都在周期内" in he


# --- the permission grid ------------------------------------------------------------------------------------
REGISTER = {"wanggeyuan": 200, "shequ": 200, "yanshuji": 200,
            # wrong role (in sight of the estate, but not the register's readers) …
            "zhangjingli": 404, "wangayi": 404, "dangyuan": 404, "zuhu": 404, "wuganbu": 404, "guanliyuan": 404,
            "sunjiancha": 404, "liukezhang": 404,
            # … wrong estate
            "lijing": 404, "wangjingli": 404, "chen": 404, "zhengbaobao": 404}


@pytest.mark.parametrize("who", [*REGISTER, "other grid worker"])
def test_register_grid(login, client, who):
    yiwu = estate(YIWU)
    if who == "other grid worker":
        client.force_login(other_grid_worker())
        expected, actor = 404, get_user_model().objects.get(username="wanggeyuan2")
    else:
        client, expected, actor = login(who), REGISTER[who], user(who)
    before = reads(actor=actor).count()
    page = client.get(f"/estates/{yiwu.pk}/visits/")
    api = client.get(f"/api/v1/estates/{yiwu.pk}/special-people")
    one = client.get(f"/special-people/{special('3-2-602').pk}/")
    one_api = client.get(f"/api/v1/special-people/{special('3-2-602').pk}")
    assert (page.status_code, api.status_code, one.status_code, one_api.status_code) == (expected,) * 4
    body = page.content.decode() + api.content.decode() + one.content.decode() + one_api.content.decode()
    if expected == 404:
        assert not any(word in body for word in GROUP_WORDS)
        assert special("3-2-602").person.name not in body
        assert reads(actor=actor).count() == before
    else:
        # every person read is audited: six on the page, six by the API, one twice more
        assert reads(actor=actor).count() == before + 6 + 6 + 2
        assert "独居老人" in body


def test_each_read_names_who_read_whom(login):
    alone = special("3-2-602")
    login("shequ").get(f"/special-people/{alone.pk}/")
    row = reads(actor=user("shequ")).latest("pk")
    assert (row.subject_type, row.subject_id, row.estate_id) == ("grid.specialperson", str(alone.pk), alone.estate_id)
    assert "独居" not in row.subject_repr  # the trail names the person, never the group


VISITOR = {"dangyuan": (200, 404), "chen": (404, 404), "wanggeyuan": (200, 200)}


@pytest.mark.parametrize("who", list(VISITOR))
def test_an_assigned_visitor_sees_only_their_own(login, who):
    """何敏 visits 6-1-201 and sees that one; 2-1-101 is outside his assignment: not found."""
    client = login(who)
    mine, not_mine = VISITOR[who]
    assert client.get(f"/special-people/{special('6-1-201').pk}/").status_code == mine
    assert client.get(f"/special-people/{special('2-1-101').pk}/").status_code == not_mine
    answer = client.post(f"/api/v1/special-people/{special('2-1-101').pk}/visits", {"how": "home"},
                         content_type="application/json")
    assert answer.status_code == (201 if not_mine == 200 else 404)


def test_a_visit_to_someone_outside_the_assignment_is_not_found_and_changes_nothing(world):
    before = Visit.objects.count()
    with pytest.raises(NotFound):
        services.visit_record(user("dangyuan"), special_person_id=special("2-1-101").pk, how="home")
    assert Visit.objects.count() == before


def test_my_visits_lists_only_mine_most_overdue_first(login):
    page = login("dangyuan").get("/visits/mine/").content.decode()
    assert special("6-1-201").person.name in page and special("2-1-101").person.name not in page
    hers = login("wanggeyuan").get("/api/v1/special-people/mine").json()
    assert hers[0]["id"] == special("3-2-602").pk and hers[0]["due"]["overdue_days"] == 5


# --- visits ---------------------------------------------------------------------------------------------------
def test_a_visit_at_home_resets_the_due_date_and_absent_does_not(world, clock):
    alone = special("3-2-602")
    services.visit_record(user("wanggeyuan"), special_person_id=alone.pk, how="absent", note="敲门无人")
    assert selectors.special_get(fetched_by=None, special_person_id=alone.pk).due.overdue_days == 5
    services.visit_record(user("wanggeyuan"), special_person_id=alone.pk, how="phone", note="电话报平安")
    due = selectors.special_get(fetched_by=None, special_person_id=alone.pk).due
    assert due.overdue_days == 0 and due.last_met == clock.today
    assert due.due_on == clock.today + datetime.timedelta(days=7)


def test_a_communitys_frequency_decides_when_a_visit_is_due(world, clock):
    alone = special("3-2-602")
    services.visit_frequency_set(user("shequ"), community_id=alone.estate.community_id, group="elderly_alone",
                                 every_days=14)
    assert selectors.special_get(fetched_by=None, special_person_id=alone.pk).due.overdue_days == 0
    with pytest.raises(InvalidInput):
        services.visit_frequency_set(user("shequ"), community_id=alone.estate.community_id, group="elderly_alone",
                                     every_days=0)
    with pytest.raises(NotFound):  # the grid worker does not set the community's frequencies
        services.visit_frequency_set(user("wanggeyuan"), community_id=alone.estate.community_id,
                                     group="elderly_alone", every_days=3)


@pytest.mark.parametrize("bad, field", [({"how": "letter"}, "how"), ({"on": "2020-02-30"}, "on"),
                                        ({"on": "FUTURE"}, "on"), ({"on": "2000-01-01"}, "on")])
def test_a_bad_visit_is_refused_with_a_reason(world, clock, bad, field):
    if bad.get("on") == "FUTURE":
        bad = {"on": (clock.today + datetime.timedelta(days=1)).isoformat()}
    before = Visit.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.visit_record(user("wanggeyuan"), special_person_id=special("3-2-602").pk,
                              **{"how": "home", **bad})
    assert refused.value.field == field and " / " in refused.value.message
    assert Visit.objects.count() == before


def test_needs_become_a_request_once_without_the_group(world):
    visit = services.visit_record(user("wanggeyuan"), special_person_id=special("3-2-602").pk, how="home",
                                  needs="楼道灯坏了，老人晚上下楼看不见")
    req = services.visit_raise(user("wanggeyuan"), visit_id=visit.pk, category="lighting")
    assert (req.channel, req.unit_id, req.description) == ("visit", special("3-2-602").unit_id,
                                                          "楼道灯坏了，老人晚上下楼看不见")
    assert not any(word in f"{req.description} {req.contact_name} {req.place_text}" for word in GROUP_WORDS)
    with pytest.raises(WrongState):
        services.visit_raise(user("wanggeyuan"), visit_id=visit.pk, category="lighting")
    assert Request.objects.filter(description__startswith="楼道灯坏了").count() == 1


def test_needs_become_an_order_and_a_visit_without_needs_cannot(world):
    visit = services.visit_record(user("dangyuan"), special_person_id=special("6-1-201").pk, how="home",
                                  needs="想请人帮忙买菜送上门")
    order = services.visit_order(user("dangyuan"), visit_id=visit.pk)
    assert (order.title, order.kind, order.estate_id) == ("想请人帮忙买菜送上门", "service", estate(YIWU).pk)
    plain = services.visit_record(user("dangyuan"), special_person_id=special("6-1-201").pk, how="phone")
    with pytest.raises(WrongState) as refused:
        services.visit_order(user("dangyuan"), visit_id=plain.pk)
    assert refused.value.message == services.NO_NEEDS
    assert Order.objects.filter(title="想请人帮忙买菜送上门").count() == 1


def test_registering_checks_the_person_unit_and_visitor(world):
    yiwu = estate(YIWU)
    flat = unit(YIWU, "5-1-302")
    wang = flat.ownerships.get(until__isnull=True).person
    args = {"estate_id": yiwu.pk, "person_id": wang.pk, "unit_id": flat.pk, "group": "elderly_alone",
            "visitor_id": user("wanggeyuan").pk}
    with pytest.raises(InvalidInput) as refused:  # a visitor who holds no role there
        services.special_person_add(user("shequ"), **{**args, "visitor_id": user("lijing").pk})
    assert refused.value.field == "visitor_id"
    with pytest.raises(InvalidInput):
        services.special_person_add(user("shequ"), **{**args, "unit_id": unit(PACIFIC, "3-1-302").pk})
    with pytest.raises(NotFound):  # the register is not there for the property company
        services.special_person_add(user("zhangjingli"), **args)
    added = services.special_person_add(user("shequ"), **args)
    with pytest.raises(WrongState):
        services.special_person_add(user("shequ"), **args)
    assert added.visitor.username == "wanggeyuan"


def test_household_visits_show_the_grids_and_the_central_households(login):
    pacific = estate(PACIFIC)
    page = login("shequ").get(f"/estates/{pacific.pk}/visits/").content.decode()
    assert "中心户" in page  # 陈's visits to his neighbours, from the party app
    yiwu = login("wanggeyuan").get(f"/estates/{estate(YIWU).pk}/visits/").content.decode()
    assert "了解加装电梯意愿" in yiwu
