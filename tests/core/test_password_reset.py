"""A forgotten password reset through the community (issue 23 item 5): community staff give a login in
their scope a one-time password, shown once and kept only as a hash, that must be changed before
anything else; the account's API tokens end; audited. The permission grid: wrong role 403, another
community's login 404."""

import pytest
from django.test import Client

from gongzhi import demo
from gongzhi.core import selectors, services
from gongzhi.core.choices import AuditAction
from gongzhi.core.models import ApiToken, AuditEntry, PasswordReset
from gongzhi.core.services import api_token_create

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "湖边的樱桃树-2026"


def _bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user, name='t')}"}


def _reset(user_id, as_=None):
    headers = _bearer(as_) if as_ is not None else {}
    return Client().post(f"/api/v1/accounts/{user_id}/password-reset", content_type="application/json", **headers)


def test_community_staff_reset_a_residents_password_once_and_it_is_audited(world, persona):
    wang, shequ = persona("wangayi"), persona("shequ")
    phone_token = api_token_create(wang, name="phone")
    answer = _reset(wang.pk, shequ)
    assert answer.status_code == 201
    body = answer.json()
    otp = body["one_time_password"]
    assert body["username"] == "wangayi" and body["tokens_revoked"] == 1 and len(otp) == 12
    wang.refresh_from_db()
    assert wang.check_password(otp) and not wang.check_password(demo.DEMO_PASSWORD)
    assert otp not in wang.password
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {phone_token}").status_code == 401
    assert not ApiToken.objects.filter(user=wang).exists()
    entry = AuditEntry.objects.get(action=AuditAction.ACCOUNT_PASSWORD_RESET, subject_id=str(wang.pk))
    assert entry.actor_name == "shequ" and entry.after["tokens_revoked"] == 1 and otp not in str(entry.after)
    assert PasswordReset.objects.get(user=wang).issued_by == shequ


def test_a_reset_lifts_a_lockout(world, persona):
    wang = persona("wangayi")
    for n in range(5):
        Client().post("/login/", {"username": "wangayi", "password": f"wrong-{n}"})
    otp = _reset(wang.pk, persona("shequ")).json()["one_time_password"]
    assert Client().post("/login/", {"username": "wangayi", "password": otp}).status_code == 302


def test_the_one_time_password_leads_to_the_change_page_before_anything_else(world, persona):
    wang = persona("wangayi")
    otp = _reset(wang.pk, persona("shequ")).json()["one_time_password"]
    client = Client()
    assert client.post("/login/", {"username": "wangayi", "password": otp}).status_code == 302
    for path in ["/", "/approvals/", "/audit/"]:
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"] == "/account/password/", path
    page = client.get("/account/password/")
    assert page.status_code == 200 and 'data-testid="password-change-due"' in page.content.decode()
    assert client.get("/api/v1/me").status_code == 401  # the session is no key to the API either
    token = Client().post("/api/v1/auth/token", {"username": "wangayi", "password": otp},
                          content_type="application/json")
    assert token.status_code == 409 and token.json()["detail"] == services.PASSWORD_CHANGE_FIRST
    weak = client.post("/account/password/", {"old_password": otp, "new_password1": "12345678901",
                                              "new_password2": "12345678901"})
    assert weak.status_code == 200 and client.get("/").status_code == 302  # nothing changed
    done = client.post("/account/password/", {"old_password": otp, "new_password1": NEW_PASSWORD,
                                              "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get("/").status_code == 200  # this session stays and is free again
    wang.refresh_from_db()
    assert wang.check_password(NEW_PASSWORD) and not selectors.password_change_due(wang)
    assert AuditEntry.objects.filter(action=AuditAction.ACCOUNT_PASSWORD_CHANGE, after={"after_reset": True}).exists()
    assert Client().post("/api/v1/auth/token", {"username": "wangayi", "password": NEW_PASSWORD},
                         content_type="application/json").status_code == 201


def test_the_api_twin_of_the_change_takes_the_one_time_password(world, persona):
    wang = persona("wangayi")
    otp = _reset(wang.pk, persona("shequ")).json()["one_time_password"]
    change = "/api/v1/auth/password"
    wrong = Client().post(change, {"username": "wangayi", "password": "nope", "new_password": NEW_PASSWORD},
                          content_type="application/json")
    assert wrong.status_code == 401
    same = Client().post(change, {"username": "wangayi", "password": otp, "new_password": otp},
                         content_type="application/json")
    assert same.status_code == 400 and same.json()["detail"] == services.PASSWORD_SAME
    ok = Client().post(change, {"username": "wangayi", "password": otp, "new_password": NEW_PASSWORD},
                       content_type="application/json")
    assert ok.status_code == 200 and ok.json() == {"changed": True}
    client = Client()
    assert client.post("/login/", {"username": "wangayi", "password": NEW_PASSWORD}).status_code == 302
    assert client.get("/").status_code == 200


# --- the permission grid --------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["wangayi", "zhaozhuren", "wanggeyuan", "zhangjingli", "sunjiancha"])
def test_other_roles_may_not_reset(world, persona, who):
    wang = persona("wangayi")
    target = persona("lixiansheng") if who == "wangayi" else wang
    answer = _reset(target.pk, persona(who))
    assert answer.status_code == 403 and answer.json()["detail"] == selectors.PASSWORD_RESET_NOT_KEEPER
    assert Client().get(f"/accounts/{target.pk}/password-reset/").status_code == 302  # to the login page
    assert not PasswordReset.objects.exists()


def test_another_communitys_login_or_a_missing_one_is_404_and_anonymous_401(world, persona, django_user_model):
    stranger = django_user_model.objects.create_user(username="stranger", password="another-secret-1")
    lijing = persona("lijing")  # 安和苑社区's secretary: 王阿姨 lives in 明福社区
    for user_id in (persona("wangayi").pk, stranger.pk, 999_999):
        answer = _reset(user_id, lijing)
        assert answer.status_code == 404 and "wangayi" not in answer.content.decode()
    assert _reset(persona("wangayi").pk).status_code == 401
    assert not PasswordReset.objects.exists()


def test_staff_logins_are_reset_by_an_administrator_and_nobody_resets_their_own(world, persona):
    zhao, shequ = persona("zhaozhuren"), persona("shequ")
    refused = _reset(zhao.pk, shequ)  # a committee chair: not a resident's login
    assert refused.status_code == 403 and refused.json()["detail"] == selectors.PASSWORD_RESET_NOT_THIS
    assert _reset(zhao.pk, persona("guanliyuan")).status_code == 201
    admin = persona("guanliyuan")
    assert _reset(admin.pk, admin).status_code == 403
    assert PasswordReset.objects.filter(user=zhao).count() == 1


# --- the pages ------------------------------------------------------------------------------------
def test_the_staff_page_offers_the_reset_and_shows_the_password_once(world, persona, login):
    wang = persona("wangayi")
    unit = wang.person.ownerships.get(until__isnull=True).unit
    client = login("shequ")
    ownership = client.get(f"/units/{unit.pk}/ownership/").content.decode()
    assert 'data-testid="reset-password-link"' in ownership
    link = f"/accounts/{wang.pk}/password-reset/"
    assert link in ownership
    confirm = client.get(link)
    assert confirm.status_code == 200 and 'data-api="account_password_reset"' in confirm.content.decode()
    assert not PasswordReset.objects.exists()  # asking to confirm changes nothing
    issued = client.post(link)
    text = issued.content.decode()
    assert issued.status_code == 200 and issued["Cache-Control"] == "no-store"
    otp = text.split('data-testid="issued-one-time-password">')[1].split("<")[0]
    wang.refresh_from_db()
    assert wang.check_password(otp)
    assert otp not in client.get(link).content.decode()  # never shown again


@pytest.mark.parametrize(("who", "status"), [("zhaozhuren", 403), ("lijing", 404)])
def test_the_reset_page_refuses_a_wrong_role_or_community(world, persona, login, who, status):
    wang = persona("wangayi")
    client = login(who)
    assert client.get(f"/accounts/{wang.pk}/password-reset/").status_code == status
    assert client.post(f"/accounts/{wang.pk}/password-reset/").status_code == status
    assert not PasswordReset.objects.exists()
    unit = wang.person.ownerships.get(until__isnull=True).unit
    page = client.get(f"/units/{unit.pk}/ownership/")
    assert 'data-testid="reset-password-link"' not in page.content.decode()
