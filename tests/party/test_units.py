"""双报到单位: a unit (a partner unit on record, or one named) registers at a community with the services
it offers; the community confirms or declines; the confirmed units are listed on the community's page.
Registering twice is refused; the permission grids for the page and endpoints."""

import pytest

from gongzhi.bodies.models import Membership, Organisation
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.party import services
from gongzhi.party.choices import UnitRegistrationStatus
from gongzhi.party.models import UnitRegistration
from gongzhi.people.models import Person
from gongzhi.places.models import Community


def zh(template: str, **kw) -> str:
    return template.split(" / ")[0].format(**kw)


def mingfu() -> Community:
    return Community.objects.get(name="明福社区")


def grid_company() -> Organisation:
    return Organisation.objects.get(name="国网文峰供电服务中心")


def test_a_named_unit_registers_the_community_confirms_and_its_page_lists_it(login, persona, clock):
    client = login("wangayi")
    url = f"/communities/{mingfu().pk}/party/units/"
    posted = client.post(url, {"action": "register", "unit-unit_name": "安阳市第一中学", "unit-services": "周末课业辅导、心理咨询",
                               "unit-contact": "刘老师 13903720001"})
    assert posted.status_code == 302
    registration = UnitRegistration.objects.get(unit_name="安阳市第一中学")
    assert registration.status == UnitRegistrationStatus.PENDING and registration.submitted_by.username == "wangayi"
    assert "安阳市第一中学" not in client.get(url).content.decode()  # not listed until the community confirms

    staff = login("yanshuji")
    page = staff.get(url).content.decode()
    assert "刘老师 13903720001" in page and f'data-testid="confirm-unit-{registration.pk}"' in page
    assert staff.post(url, {"action": "confirm", "registration_id": registration.pk}).status_code == 302
    registration.refresh_from_db()
    assert registration.status == UnitRegistrationStatus.CONFIRMED and registration.decided_by.username == "yanshuji"

    resident = login("wangayi")
    listed = resident.get(url).content.decode()
    assert "周末课业辅导、心理咨询" in listed and "刘老师" not in listed  # the contact is the community's only
    community_page = login("shequ").get(f"/communities/{mingfu().pk}/").content.decode()
    assert 'data-testid="party-units"' in community_page and "安阳市第一中学" in community_page
    api = login("wangayi").get(f"/api/v1/communities/{mingfu().pk}/party/units").json()
    assert [u["name"] for u in api] == ["安阳市第一中学"] and api[0]["contact"] is None


def test_registering_twice_is_refused_and_a_declined_unit_may_register_again(persona, clock):
    yan = persona("yanshuji")
    first = services.unit_registration_submit(persona("wangayi"), community_id=mingfu().pk, unit_name="文峰区人民医院",
                                              services="义诊")
    count, audits = UnitRegistration.objects.count(), AuditEntry.objects.count()
    with pytest.raises(WrongState) as exc:
        services.unit_registration_submit(persona("chen"), community_id=mingfu().pk, unit_name="文峰区人民医院",
                                          services="义诊")
    assert exc.value.message == services.UNIT_REGISTERED_TWICE.format(unit="文峰区人民医院", community="明福社区",
                                                                      status="待确认")
    with pytest.raises(InvalidInput) as exc:
        services.unit_registration_decide(yan, registration_id=first.pk, confirm=False)
    assert exc.value.message == services.DECLINE_NEEDS_NOTE
    with pytest.raises(InvalidInput) as exc:
        services.unit_registration_submit(persona("wangayi"), community_id=mingfu().pk, unit_name="某单位",
                                          services="  ")
    assert exc.value.message == services.SERVICES_REQUIRED
    with pytest.raises(InvalidInput) as exc:
        services.unit_registration_submit(persona("wangayi"), community_id=mingfu().pk, services="义诊")
    assert exc.value.message == services.UNIT_NAME_REQUIRED
    assert (UnitRegistration.objects.count(), AuditEntry.objects.count()) == (count, audits)

    services.unit_registration_decide(yan, registration_id=first.pk, confirm=False, note="请由医院党委统一报到")
    with pytest.raises(WrongState):
        services.unit_registration_decide(yan, registration_id=first.pk, confirm=True)
    again = services.unit_registration_submit(persona("wangayi"), community_id=mingfu().pk,
                                              unit_name="文峰区人民医院", services="每月义诊一次")
    assert again.status == UnitRegistrationStatus.PENDING


def test_a_partner_unit_is_registered_by_its_own_people_or_the_community(persona, clock):
    partner = grid_company()
    with pytest.raises(PermissionDenied) as exc:  # a resident who is not of the unit
        services.unit_registration_submit(persona("wangayi"), community_id=mingfu().pk, partner_id=partner.pk,
                                          services="用电安全检查")
    assert exc.value.message == services.rules.NOT_UNIT_REPRESENTATIVE
    staffer = Person.objects.get(user__username="wangayi")
    Membership.objects.create(organisation=partner, person=staffer)
    registration = services.unit_registration_submit(persona("wangayi"), community_id=mingfu().pk,
                                                     partner_id=partner.pk, services="用电安全检查")
    assert registration.name == partner.name and registration.unit_name == ""
    with pytest.raises(InvalidInput) as exc:  # not a partner unit
        services.unit_registration_submit(persona("yanshuji"), community_id=mingfu().pk,
                                          partner_id=Organisation.objects.get(name="太平洋花园小区党支部").pk,
                                          services="x")
    assert exc.value.message == services.NOT_A_PARTNER
    with pytest.raises(NotFound):
        services.unit_registration_submit(persona("wangayi"), community_id=999999, unit_name="x", services="x")


# Who confirms a unit at 明福社区: its staff and administrators; not the subdistrict, a resident or the
# property manager or a tenant; another community's people do not see the registration.
DECIDE = {"yanshuji": 200, "shequ": 200, "guanliyuan": 200, "wuganbu": 403, "wangayi": 403, "wangjingli": 403,
          "zuhu": 403, "lijing": 404}


@pytest.mark.parametrize("who", list(DECIDE))
def test_confirm_grid(login, persona, who, clock):
    registration = services.unit_registration_submit(persona("wangayi"), community_id=mingfu().pk,
                                                     unit_name="安阳市自来水公司", services="水管检修")
    client = login(who)
    page = client.get(f"/communities/{mingfu().pk}/party/units/")
    assert page.status_code == (404 if DECIDE[who] == 404 else 200)
    assert ('data-api="unit_registration_confirm"' in page.content.decode()) == (DECIDE[who] == 200)
    got = client.post(f"/api/v1/party/unit-registrations/{registration.pk}/confirm", {},
                      content_type="application/json")
    assert got.status_code == DECIDE[who]
    registration.refresh_from_db()
    assert (registration.status == UnitRegistrationStatus.CONFIRMED) == (DECIDE[who] == 200)
