"""组织关系: each party organisation's members, transferred in and out with dates — who belongs on a day,
a transfer out closing one membership and opening the next, the history kept; on the organisation's
page, in the API and as a section of the organisation's page; with the permission grids."""

import datetime

import pytest

from gongzhi.bodies.models import Organisation
from gongzhi.core.errors import InvalidInput, NotFound, WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.party import selectors, services
from gongzhi.party.models import OrgRelation
from gongzhi.people.models import PartyMember, Person
from tests.helpers import race


def zh(template: str, **kw) -> str:
    return template.split(" / ")[0].format(**kw)


def branch() -> Organisation:
    return Organisation.objects.get(name="太平洋花园小区党支部")


def group3() -> Organisation:
    return Organisation.objects.get(name="太平洋花园3号楼党小组")


def chen() -> PartyMember:
    return PartyMember.objects.select_related("person").get(person__user__username="chen")


D = datetime.date


@pytest.fixture
def today(clock):
    clock.set("2026-06-15 10:00")
    return D(2026, 6, 15)


def test_a_transfer_out_closes_one_membership_and_opens_the_next_with_history_kept(persona, today):
    yan = persona("yanshuji")
    first = services.org_relation_transfer_in(yan, organisation_id=branch().pk, person_id=chen().person_id,
                                              on=D(2024, 3, 1), came_from="安阳市第三中学党支部")
    assert [r.member.person.name for r in selectors.members_on(branch(), D(2024, 3, 1))] == [chen().person.name]
    assert selectors.members_on(branch(), D(2024, 2, 29)) == []

    services.org_relation_transfer_out(yan, relation_id=first.pk, on=D(2026, 5, 10), to_organisation_id=group3().pk)
    first.refresh_from_db()
    assert first.end == D(2026, 5, 10) and first.went_to == group3().name
    # On the day of the transfer the member belongs to the organisation it went to; the day before, to the old.
    assert selectors.members_on(branch(), D(2026, 5, 10)) == []
    assert [r.member_id for r in selectors.members_on(branch(), D(2026, 5, 9))] == [chen().pk]
    now = selectors.members_on(group3(), D(2026, 5, 10))
    assert [r.member_id for r in now] == [chen().pk] and now[0].came_from == branch().name
    assert OrgRelation.objects.filter(member=chen()).count() == 2  # the history is kept
    assert AuditEntry.objects.filter(action__startswith="org_relation.").count() == 3


def test_transfer_refusals_say_why_and_write_nothing(persona, today):
    yan = persona("yanshuji")
    name = chen().person.name
    open_one = services.org_relation_transfer_in(yan, organisation_id=branch().pk, person_id=chen().person_id,
                                                 on=D(2025, 1, 1))
    before = OrgRelation.objects.count(), AuditEntry.objects.count()
    with pytest.raises(WrongState) as exc:  # a member belongs to one organisation at a time
        services.org_relation_transfer_in(yan, organisation_id=group3().pk, person_id=chen().person_id,
                                          on=D(2025, 2, 1))
    assert exc.value.message == services.RELATION_STILL_OPEN.format(name=name, organisation=branch().name)
    with pytest.raises(InvalidInput) as exc:
        services.org_relation_transfer_out(yan, relation_id=open_one.pk, on=D(2024, 12, 31), went_to="外地")
    assert exc.value.message == services.RELATION_OUT_BEFORE_IN.format(day="2025-01-01")
    with pytest.raises(InvalidInput) as exc:
        services.org_relation_transfer_out(yan, relation_id=open_one.pk, on=D(2026, 6, 16), went_to="外地")
    assert exc.value.message == services.RELATION_IN_FUTURE
    with pytest.raises(InvalidInput) as exc:
        services.org_relation_transfer_out(yan, relation_id=open_one.pk, on=D(2026, 1, 1))
    assert exc.value.message == services.DESTINATION_REQUIRED
    with pytest.raises(InvalidInput) as exc:
        services.org_relation_transfer_out(yan, relation_id=open_one.pk, on=D(2026, 1, 1),
                                           to_organisation_id=branch().pk)
    assert exc.value.message == services.RELATION_SAME
    not_member = Person.objects.filter(party_member__isnull=True, user__username="lixiansheng").get()
    with pytest.raises(InvalidInput) as exc:
        services.org_relation_transfer_in(yan, organisation_id=group3().pk, person_id=not_member.pk, on=D(2025, 1, 1))
    assert exc.value.message == services.NO_SUCH_MEMBER
    company = Organisation.objects.get(name="太平洋物业服务有限公司")
    with pytest.raises(NotFound):  # not a party organisation
        services.org_relation_transfer_in(yan, organisation_id=company.pk, person_id=chen().person_id,
                                          on=D(2025, 1, 1))
    assert (OrgRelation.objects.count(), AuditEntry.objects.count()) == before

    services.org_relation_transfer_out(yan, relation_id=open_one.pk, on=D(2026, 1, 1), went_to="郑州市某单位党支部")
    with pytest.raises(WrongState) as exc:  # already closed
        services.org_relation_transfer_out(yan, relation_id=open_one.pk, on=D(2026, 2, 1), went_to="外地")
    assert exc.value.message == services.RELATION_CLOSED.format(name=name, day="2026-01-01")
    with pytest.raises(InvalidInput) as exc:  # back in, but not before the day it left
        services.org_relation_transfer_in(yan, organisation_id=group3().pk, person_id=chen().person_id,
                                          on=D(2025, 12, 31))
    assert exc.value.message == services.RELATION_BEFORE_LAST.format(name=name, day="2026-01-01")
    back = services.org_relation_transfer_in(yan, organisation_id=group3().pk, person_id=chen().person_id,
                                             on=D(2026, 1, 1))
    assert back.came_from == branch().name


def test_the_database_holds_one_open_membership_per_member(persona, today):
    from django.db import IntegrityError, transaction

    services.org_relation_transfer_in(persona("yanshuji"), organisation_id=branch().pk, person_id=chen().person_id,
                                      on=D(2025, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgRelation.objects.create(member=chen(), organisation=group3(), start=D(2025, 2, 1))


# Who reads a branch's roll: the community's staff and the subdistrict, and the branch's own secretary (赵);
# a member of it (陈) or the property manager does not; another community's people do not see it at all.
READ = {"yanshuji": 200, "shequ": 200, "wuganbu": 200, "guanliyuan": 200, "zhaozhuren": 200, "chen": 403,
        "wangjingli": 403, "lijing": 404, "zuhu": 404}
# Who transfers members in: the community and the branch's secretary; the subdistrict reads but does not.
WRITE = {"yanshuji": 201, "shequ": 201, "guanliyuan": 201, "zhaozhuren": 201, "wuganbu": 403, "chen": 403,
         "wangjingli": 403, "lijing": 404, "zuhu": 404}


@pytest.mark.parametrize("who", list(READ))
def test_roll_page_and_endpoint_grid(login, who, today):
    services.org_relation_transfer_in(None, organisation_id=branch().pk, person_id=chen().person_id,
                                      on=D(2025, 1, 1))
    client = login(who)
    page = client.get(f"/organisations/{branch().pk}/party/members/")
    assert page.status_code == READ[who]
    api = client.get(f"/api/v1/organisations/{branch().pk}/party/members")
    assert api.status_code == READ[who]
    body = page.content.decode()
    if READ[who] == 200:
        assert f'data-testid="member-{chen().person_id}"' in body
        assert [m["name"] for m in api.json()["members"]] == [chen().person.name]
        assert ('data-api="org_relation_transfer_in"' in body) == (WRITE[who] == 201)
    else:
        assert f'data-testid="member-{chen().person_id}"' not in body


@pytest.mark.parametrize("who", list(WRITE))
def test_transfer_in_grid(login, who, today):
    count = OrgRelation.objects.count()
    got = login(who).post(f"/api/v1/organisations/{group3().pk}/party/members",
                          {"person_id": chen().person_id, "on": "2026-06-01"}, content_type="application/json")
    assert got.status_code == WRITE[who]
    assert OrgRelation.objects.count() == count + (1 if WRITE[who] == 201 else 0)


def test_the_page_transfers_in_and_out_and_shows_who_belonged_on_a_day(login, today):
    client = login("zhaozhuren")
    url = f"/organisations/{branch().pk}/party/members/"
    posted = client.post(url, {"action": "in", "in-member": chen().pk, "in-on": "2025-04-01",
                               "in-came_from": "文峰区教育局党委"})
    assert posted.status_code == 302, posted.context["in_form"].errors
    relation = OrgRelation.objects.get(member=chen(), end__isnull=True)
    assert relation.organisation == branch() and relation.recorded_by.username == "zhaozhuren"
    posted = client.post(url, {"action": "out", "out-relation": relation.pk, "out-on": "2026-06-01",
                               "out-went_to": "郑州市金水区某社区党委"})
    assert posted.status_code == 302
    body = client.get(url).content.decode()
    assert 'data-testid="member-count">0' in body and "郑州市金水区某社区党委" in body
    earlier = client.get(url + "?on=2025-12-31").content.decode()
    assert f'data-testid="member-{chen().person_id}"' in earlier
    # A bad date is refused with the message, nothing written.
    count = OrgRelation.objects.count()
    page = client.post(url, {"action": "in", "in-member": chen().pk, "in-on": "2027-01-01"}, follow=True)
    assert zh(services.RELATION_IN_FUTURE) in page.content.decode() and OrgRelation.objects.count() == count


def test_the_organisation_page_shows_the_roll_section_to_its_readers_only(login, today):
    services.org_relation_transfer_in(None, organisation_id=branch().pk, person_id=chen().person_id,
                                      on=D(2025, 1, 1))
    shown = login("zhaozhuren").get(f"/organisations/{branch().pk}/").content.decode()
    assert 'data-testid="roll-count">1' in shown and f"/organisations/{branch().pk}/party/members/" in shown
    assert 'data-testid="party-roll"' not in login("chen").get(f"/organisations/{branch().pk}/").content.decode()


def test_the_api_transfers_out_to_another_organisation(login, today):
    relation = services.org_relation_transfer_in(None, organisation_id=branch().pk, person_id=chen().person_id,
                                                 on=D(2025, 1, 1))
    got = login("shequ").post(f"/api/v1/party/org-relations/{relation.pk}/transfer-out",
                              {"on": "2026-06-15", "to_organisation_id": group3().pk}, content_type="application/json")
    assert got.status_code == 200 and got.json()["end"] == "2026-06-15" and got.json()["went_to"] == group3().name
    assert OrgRelation.objects.get(member=chen(), end__isnull=True).organisation == group3()
    again = login("shequ").post(f"/api/v1/party/org-relations/{relation.pk}/transfer-out",
                                {"on": "2026-06-15", "went_to": "外地"}, content_type="application/json")
    assert again.status_code == 409  # already transferred out
    nowhere = login("shequ").post(f"/api/v1/party/org-relations/{relation.pk}/transfer-out", {"on": "2026-06-15"},
                                  content_type="application/json")
    assert nowhere.status_code == 400 and nowhere.json()["detail"] == services.DESTINATION_REQUIRED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_member_transferred_into_two_organisations_at_once_lands_in_one(world):
    person_id = chen().person_id
    results = race([lambda: services.org_relation_transfer_in(None, organisation_id=branch().pk, person_id=person_id,
                                                              on=datetime.date(2025, 1, 1)),
                    lambda: services.org_relation_transfer_in(None, organisation_id=group3().pk, person_id=person_id,
                                                              on=datetime.date(2025, 1, 1))])
    assert sum(isinstance(r, OrgRelation) for r in results) == 1, results
    assert sum(isinstance(r, WrongState) for r in results) == 1, results
    assert OrgRelation.objects.filter(member__person_id=person_id, end__isnull=True).count() == 1
