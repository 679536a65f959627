"""Community staff open a login for an owner of the ledger: the mobile number is the login name, the
first password is shown once, and the owner then sees their own bills and nobody else's."""

import datetime
import re

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.test import Client

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.people import services
from gongzhi.people.models import Person
from tests.helpers import YIWU, unit


@pytest.fixture
def title():
    """A current title in 义乌城 whose owner has no login yet, with a mobile number."""
    found = unit(YIWU, "1-1-102").ownerships.select_related("person").get(until__isnull=True)
    assert found.person.user_id is None
    Person.objects.filter(pk=found.person_id).update(phone="139 0000 1234")
    found.person.refresh_from_db()
    return found


def test_staff_open_an_account_and_the_owner_logs_in_with_the_number_and_the_code(persona, title):
    opened = services.account_open(persona("shequ"), ownership_id=title.pk)
    assert opened.username == "13900001234"
    assert len(opened.initial_password) == services.FIRST_PASSWORD_LENGTH
    user = authenticate(username="13900001234", password=opened.initial_password)
    validate_password(opened.initial_password, user)  # she may keep it: the validators accept it
    assert user is not None and user.first_name == title.person.name
    title.person.refresh_from_db()
    assert title.person.user_id == user.pk
    assert user.role_assignments.get().unit_id == title.unit_id  # owner of the unit, from today
    entry = AuditEntry.objects.filter(action="person.account_open").latest("pk")
    assert opened.initial_password not in str(entry.after)  # the code is never written down


def test_an_account_is_opened_once(persona, title):
    services.account_open(persona("shequ"), ownership_id=title.pk)
    told = services.ACCOUNT_EXISTS.format(name=title.person.name, username="13900001234")
    with pytest.raises(WrongState, match=re.escape(told)):
        services.account_open(persona("yanshuji"), ownership_id=title.pk)


def test_no_mobile_number_no_account_and_nothing_written(persona, title):
    Person.objects.filter(pk=title.person_id).update(phone="0372-5551234")
    with pytest.raises(InvalidInput, match=re.escape(services.ACCOUNT_NEEDS_PHONE.format(name=title.person.name))):
        services.account_open(persona("shequ"), ownership_id=title.pk)
    title.person.refresh_from_db()
    assert title.person.user_id is None


def test_a_number_already_used_as_a_login_is_refused(persona, title, django_user_model):
    django_user_model.objects.create_user(username="13900001234", password="x")
    with pytest.raises(WrongState, match=re.escape(services.LOGIN_TAKEN.format(username="13900001234"))):
        services.account_open(persona("shequ"), ownership_id=title.pk)


def test_an_ended_title_opens_no_account(persona, title, clock):
    services.ownership_transfer(persona("shequ"), unit_id=title.unit_id, on=clock.today, name="新业主")
    title.refresh_from_db()
    with pytest.raises(WrongState, match=re.escape(services.OWNERSHIP_ENDED.format(until=title.until))):
        services.account_open(persona("shequ"), ownership_id=title.pk)


@pytest.mark.parametrize("who, error", [
    ("zhaozhuren", NotFound),   # a committee chair of 太平洋花园 does not see 义乌城's owners
    ("wangayi", PermissionDenied),  # an owner of 义乌城 does not keep its ledger
    ("zhangjingli", PermissionDenied),  # the property company sees the ledger but does not keep it
    ("lijing", NotFound),       # the secretary of another community
])
def test_who_may_not_open_an_account(persona, title, who, error):
    with pytest.raises(error):
        services.account_open(persona(who), ownership_id=title.pk)
    title.person.refresh_from_db()
    assert title.person.user_id is None


def test_the_page_shows_the_code_once_and_the_api_gives_it_in_its_answer(login, title):
    page = f"/units/{title.unit_id}/ownership/"
    staff = login("shequ")
    assert 'data-api="account_open"' in staff.get(page).content.decode()
    shown = staff.post(page, {"action": "account", "ownership": title.pk}).content.decode()
    assert "13900001234" in shown and 'data-testid="opened-password"' in shown
    again = staff.get(page).content.decode()
    assert 'data-testid="opened-password"' not in again and 'data-api="account_open"' not in again

    other = unit(YIWU, "1-1-201").ownerships.select_related("person").get(until__isnull=True)
    Person.objects.filter(pk=other.person_id).update(phone="13900005678")
    answer = login("shequ").post(f"/api/v1/people/ownerships/{other.pk}/account", content_type="application/json")
    assert answer.status_code == 201 and answer.json()["username"] == "13900005678"
    owner = Client()
    assert owner.login(username="13900005678", password=answer.json()["initial_password"])
    assert owner.get("/finance/my-fees/").status_code == 200


def test_the_page_and_the_api_refuse_the_wrong_role_and_estate(login, title):
    page = f"/units/{title.unit_id}/ownership/"
    assert login("zhangjingli").post(page, {"action": "account", "ownership": title.pk}).status_code == 403
    assert login("wangayi").post(page, {"action": "account", "ownership": title.pk}).status_code in (403, 404)
    assert login("lijing").post(page, {"action": "account", "ownership": title.pk}).status_code == 404
    api = f"/api/v1/people/ownerships/{title.pk}/account"
    assert login("zhangjingli").post(api).status_code == 403
    assert login("lijing").post(api).status_code == 404
    assert login("shequ").post("/api/v1/people/ownerships/99999999/account").status_code == 404
    title.person.refresh_from_db()
    assert title.person.user_id is None


def test_a_former_owners_login_stops_being_the_owner_with_the_title(persona, title, clock):
    from gongzhi.core.scoping import scope_for

    opened = services.account_open(persona("shequ"), ownership_id=title.pk)
    user = opened.person.user
    assert title.unit.estate_id in scope_for(user).estate_ids()
    services.ownership_transfer(persona("shequ"), unit_id=title.unit_id, on=clock.today, name="买家")
    role = user.role_assignments.get()
    assert role.valid_until == clock.today - datetime.timedelta(days=1)
    user = type(user).objects.get(pk=user.pk)  # as on the next request
    assert title.unit.estate_id not in scope_for(user).estate_ids()  # nothing of the estate any more
    assert AuditEntry.objects.filter(action="role.revoke", subject_id=str(role.pk)).exists()


def test_a_buyer_who_has_a_login_is_the_owner_from_the_transfer_day(persona, title, clock):
    from gongzhi.core.scoping import scope_for

    buyer = persona("lixiansheng")  # owns in 太平洋花园; buys 1-1-102 in 义乌城
    services.ownership_transfer(persona("shequ"), unit_id=title.unit_id, on=clock.today,
                                person_id=buyer.person.pk)
    assert buyer.role_assignments.filter(role="owner", unit_id=title.unit_id, valid_from=clock.today).exists()
    assert title.unit.estate_id in scope_for(buyer).estate_ids()
