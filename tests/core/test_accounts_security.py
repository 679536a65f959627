"""Accounts (issue "Security and robustness", item 5): login lockout per account and per address on the
page and the API, staff unlock, API tokens that expire and end with the password or the login, and
password rules with Chinese messages."""

import datetime

import pytest
from django.contrib.auth.forms import PasswordChangeForm
from django.test import Client
from django.utils import translation

from gongzhi import demo
from gongzhi.core.choices import AuditAction
from gongzhi.core.models import ApiToken, AuditEntry
from gongzhi.core.services import api_token_create

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"


def _page(client, username, password, address="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _token(client, username, password, address="10.0.0.1"):
    return client.post(TOKEN, {"username": username, "password": password}, content_type="application/json",
                       REMOTE_ADDR=address)


def _bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _fail(times, username="wangayi", via=_page, address="10.0.0.1"):
    client = Client()
    for n in range(times):
        via(client, username if n % 2 else username.upper(), f"wrong-{n}", address)  # logins ignore case


# --- lockout -----------------------------------------------------------------------------------------
def test_thirty_wrong_passwords_then_the_right_one_is_refused_on_the_login_page(world):
    _fail(30)
    client = Client()
    page = _page(client, "wangayi", demo.DEMO_PASSWORD)
    text = page.content.decode()
    assert page.status_code == 429
    assert "已暂时锁定" in text and "分钟后再试" in text and "社区工作人员" in text and "locked" in text
    assert 'value="wangayi"' in text  # the name typed is kept
    assert "_auth_user_id" not in client.session


def test_thirty_wrong_passwords_then_the_right_one_is_refused_by_the_token_endpoint(world):
    _fail(30, via=_token)
    answer = _token(Client(), "WangAyi", demo.DEMO_PASSWORD)
    assert answer.status_code == 429
    body = answer.json()
    assert body["code"] == "locked" and body["detail"].startswith("该账号连续5次登录失败，已暂时锁定")
    assert not ApiToken.objects.filter(user__username="wangayi").exists()


def test_the_page_and_the_api_share_one_count(world):
    _fail(3, via=_page)
    _fail(2, via=_token)
    assert _token(Client(), "wangayi", demo.DEMO_PASSWORD).status_code == 429
    assert _page(Client(), "wangayi", demo.DEMO_PASSWORD).status_code == 429


def test_four_failures_do_not_lock_and_a_success_clears_them(world):
    _fail(4)
    assert _page(Client(), "wangayi", demo.DEMO_PASSWORD).status_code == 302
    _fail(4)
    assert _page(Client(), "wangayi", demo.DEMO_PASSWORD).status_code == 302


def test_the_lock_ends_after_the_window(world, clock):
    clock.set("2026-12-07 10:00")
    _fail(5)
    clock.set("2026-12-07 10:14")
    page = _page(Client(), "wangayi", demo.DEMO_PASSWORD)
    assert page.status_code == 429 and "请1分钟后再试" in page.content.decode()
    clock.set("2026-12-07 10:15:01")
    assert _page(Client(), "wangayi", demo.DEMO_PASSWORD).status_code == 302
    assert _token(Client(), "wangayi", demo.DEMO_PASSWORD).status_code == 201


def test_many_failures_from_one_address_across_accounts_hold_that_address_off(world):
    client = Client()
    for n in range(30):
        _page(client, f"nobody{n}", "wrong", "10.9.9.9")  # one try per name: no account is locked
    held = _page(Client(), "zhaozhuren", demo.DEMO_PASSWORD, "10.9.9.9")
    assert held.status_code == 429 and "从您所在的网络登录失败次数过多" in held.content.decode()
    assert _token(Client(), "zhaozhuren", demo.DEMO_PASSWORD, "10.9.9.9").json()["code"] == "locked"
    assert _page(Client(), "zhaozhuren", demo.DEMO_PASSWORD, "10.1.1.1").status_code == 302


def test_the_lock_is_audited(world, persona):
    _fail(7)
    locks = AuditEntry.objects.filter(action=AuditAction.ACCOUNT_LOCK, subject_id=str(persona("wangayi").pk))
    assert locks.count() == 1


# --- unlock by staff: the permission grid ------------------------------------------------------------
def _unlock(user_id, as_=None):
    headers = _bearer(api_token_create(as_, name="t")) if as_ is not None else {}
    return Client().post(f"/api/v1/accounts/{user_id}/unlock", content_type="application/json", **headers)


def test_an_administrator_unlocks_an_account_and_it_is_audited(world, persona):
    wang = persona("wangayi")
    _fail(30)  # five lock it; the 25 refused while locked are not counted (nor extend the lock)
    answer = _unlock(wang.pk, persona("guanliyuan"))
    assert answer.status_code == 200 and answer.json() == {"user_id": wang.pk, "failures_cleared": 5}
    entry = AuditEntry.objects.get(action=AuditAction.ACCOUNT_UNLOCK, subject_id=str(wang.pk))
    assert entry.actor_name == "guanliyuan"
    assert _page(Client(), "wangayi", demo.DEMO_PASSWORD).status_code == 302


@pytest.mark.parametrize("who", ["wangayi", "yanshuji", "zhaozhuren"])
def test_a_resident_or_other_staff_cannot_unlock(world, persona, who):
    _fail(5)
    answer = _unlock(persona("wangayi").pk, persona(who))
    assert answer.status_code == 403 and "只有管理员可以解除账号锁定" in answer.json()["detail"]
    assert _page(Client(), "wangayi", demo.DEMO_PASSWORD).status_code == 429
    assert not AuditEntry.objects.filter(action=AuditAction.ACCOUNT_UNLOCK).exists()


def test_unlocking_a_login_out_of_reach_or_missing_answers_404_and_anonymous_401(world, persona, django_user_model):
    stranger = django_user_model.objects.create_user(username="stranger", password="another-secret-1")
    admin = persona("guanliyuan")
    for user_id in (stranger.pk, 999_999):
        answer = _unlock(user_id, admin)
        assert answer.status_code == 404 and "stranger" not in answer.content.decode()
    assert _unlock(persona("wangayi").pk).status_code == 401


# --- API tokens ----------------------------------------------------------------------------------------
def test_a_token_expires_after_the_configured_days(world, persona, clock, settings):
    settings.GONGZHI_TOKEN_DAYS = 90
    clock.set("2026-12-07 10:00")
    raw = api_token_create(persona("wangayi"), name="phone")
    row = ApiToken.objects.get(name="phone")
    assert row.expires_at == clock.now + datetime.timedelta(days=90)
    clock.set("2027-03-07 09:59")
    assert Client().get("/api/v1/me", **_bearer(raw)).status_code == 200
    clock.set("2027-03-07 10:00")
    assert Client().get("/api/v1/me", **_bearer(raw)).status_code == 401


def test_a_password_change_revokes_the_users_tokens(world, persona):
    wang = persona("wangayi")
    raw = api_token_create(wang, name="phone")
    other = api_token_create(persona("zhaozhuren"), name="laptop")
    wang.set_password("a-new-long-secret")
    wang.save()
    assert Client().get("/api/v1/me", **_bearer(raw)).status_code == 401
    assert not ApiToken.objects.filter(user=wang).exists()
    assert Client().get("/api/v1/me", **_bearer(other)).status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.API_TOKEN_REVOKE, after={"reason": "password_changed"}).exists()


def test_a_deactivation_revokes_the_users_tokens_and_a_last_login_does_not(world, persona):
    wang = persona("wangayi")
    raw = api_token_create(wang, name="phone")
    wang.first_name = "王阿姨"
    wang.save()
    assert ApiToken.objects.filter(user=wang).count() == 1  # other edits leave tokens alone
    assert _page(Client(), "wangayi", demo.DEMO_PASSWORD).status_code == 302  # saves last_login
    assert ApiToken.objects.filter(user=wang).count() == 1
    wang.is_active = False
    wang.save()
    assert not ApiToken.objects.filter(user=wang).exists()
    wang.is_active = True
    wang.save()
    assert Client().get("/api/v1/me", **_bearer(raw)).status_code == 401


def test_the_owner_lists_tokens_without_key_or_hash_and_revokes_one(world, persona):
    wang = persona("wangayi")
    raw = api_token_create(wang, name="phone")
    api_token_create(wang, name="tablet")
    api_token_create(persona("zhaozhuren"), name="theirs")
    listed = Client().get("/api/v1/auth/tokens", **_bearer(raw))
    assert listed.status_code == 200
    rows = listed.json()
    assert {r["name"] for r in rows} == {"phone", "tablet"}
    assert set(rows[0]) == {"id", "name", "created_at", "last_used_at", "expires_at"}
    text = listed.content.decode()
    assert all(t.key_hash not in text for t in ApiToken.objects.all()) and raw not in text
    tablet = ApiToken.objects.get(name="tablet")
    assert Client().delete(f"/api/v1/auth/tokens/{tablet.pk}", **_bearer(raw)).json() == {"revoked": tablet.pk}
    assert not ApiToken.objects.filter(pk=tablet.pk).exists()
    assert AuditEntry.objects.filter(action=AuditAction.API_TOKEN_REVOKE, subject_id=str(tablet.pk)).exists()


def test_another_users_token_answers_404_and_stays(world, persona):
    raw = api_token_create(persona("wangayi"), name="phone")
    theirs_raw = api_token_create(persona("zhaozhuren"), name="theirs")
    theirs = ApiToken.objects.get(name="theirs")
    answer = Client().delete(f"/api/v1/auth/tokens/{theirs.pk}", **_bearer(raw))
    assert answer.status_code == 404 and "theirs" not in answer.content.decode()
    assert Client().get("/api/v1/me", **_bearer(theirs_raw)).status_code == 200
    assert Client().delete("/api/v1/auth/tokens/999999", **_bearer(raw)).status_code == 404


def test_administrators_list_and_revoke_a_users_tokens_and_others_may_not(world, persona, django_user_model):
    wang = persona("wangayi")
    api_token_create(wang, name="phone")
    admin = _bearer(api_token_create(persona("guanliyuan"), name="admin"))
    listed = Client().get(f"/api/v1/accounts/{wang.pk}/tokens", **admin)
    assert listed.status_code == 200 and [r["name"] for r in listed.json()] == ["phone"]
    phone = ApiToken.objects.get(name="phone")
    assert Client().delete(f"/api/v1/auth/tokens/{phone.pk}", **admin).status_code == 200
    resident = _bearer(api_token_create(persona("zhaozhuren"), name="r"))
    assert Client().get(f"/api/v1/accounts/{wang.pk}/tokens", **resident).status_code == 403
    stranger = django_user_model.objects.create_user(username="stranger", password="another-secret-1")
    assert Client().get(f"/api/v1/accounts/{stranger.pk}/tokens", **admin).status_code == 404
    own = Client().get(f"/api/v1/accounts/{wang.pk}/tokens", **_bearer(api_token_create(wang, name="own")))
    assert own.status_code == 200


# --- password rules ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("weak", "message"), [
    ("gz-short", "密码太短：至少需要10个字符"),
    ("password1234", "这个密码太常见了"),
    ("8264097315", "密码只包含数字"),
    ("wangayi-xyz", "密码跟 用户名 太相似了"),
])
def test_a_weak_password_is_refused_with_the_chinese_message(world, persona, weak, message):
    wang = persona("wangayi")
    with translation.override("zh-hans"):
        form = PasswordChangeForm(wang, {"old_password": demo.DEMO_PASSWORD, "new_password1": weak,
                                         "new_password2": weak})
        assert not form.is_valid()
        assert message in " ".join(form.errors["new_password2"]), form.errors


def test_a_good_password_passes_and_the_demo_password_still_logs_in(world, persona):
    wang = persona("wangayi")
    form = PasswordChangeForm(wang, {"old_password": demo.DEMO_PASSWORD, "new_password1": "湖边的樱桃树-2026",
                                     "new_password2": "湖边的樱桃树-2026"})
    assert form.is_valid(), form.errors
    assert _page(Client(), "yanshuji", demo.DEMO_PASSWORD).status_code == 302


# --- unlock from the admin; pruning old failures ------------------------------------------------------
def _admin_unlock(client, failures):
    return client.post("/admin/core/loginfailure/", {
        "action": "unlock_accounts", "_selected_action": [str(f.pk) for f in failures]})


def test_an_administrator_unlocks_from_the_admin_through_the_unlock_service(world, persona, login):
    from gongzhi.core.models import LoginFailure

    _fail(5)
    client = login("guanliyuan")
    listed = client.get("/admin/core/loginfailure/")
    assert listed.status_code == 200 and "wangayi" in listed.content.decode()
    answer = _admin_unlock(client, LoginFailure.objects.filter(username="wangayi")[:1])
    assert answer.status_code == 302
    assert not LoginFailure.objects.filter(username="wangayi").exists()
    entry = AuditEntry.objects.get(action=AuditAction.ACCOUNT_UNLOCK, subject_id=str(persona("wangayi").pk))
    assert entry.actor_name == "guanliyuan" and entry.after == {"failures_cleared": 5}
    assert _page(Client(), "wangayi", demo.DEMO_PASSWORD).status_code == 302


def test_the_admin_lists_only_failures_of_logins_in_reach_and_others_get_no_admin(world, persona, login,
                                                                                 django_user_model):
    from gongzhi.core.models import LoginFailure

    django_user_model.objects.create_user(username="stranger", password="another-secret-1")
    _fail(2, username="stranger")
    _fail(2)
    listed = login("guanliyuan").get("/admin/core/loginfailure/").content.decode()
    assert "wangayi" in listed and "stranger" not in listed
    client = login("yanshuji")  # not back-office staff
    assert client.get("/admin/core/loginfailure/").status_code == 302
    _admin_unlock(client, LoginFailure.objects.all())
    assert LoginFailure.objects.count() == 4


def test_pruning_deletes_failures_past_the_window_keeps_the_lock_and_is_idempotent(world, clock, settings):
    from django.core.management import call_command

    from gongzhi.core.jobs import logins_prune
    from gongzhi.core.models import LoginFailure, SmsCode

    settings.GONGZHI_LOGIN_WINDOW_MINUTES = 15
    clock.set("2026-12-07 09:00")
    _fail(3, username="someone")
    SmsCode.objects.create(phone="13900000000", code_hash="x", created_at=clock.now, expires_at=clock.now)
    clock.set("2026-12-07 10:00")
    _fail(5)  # wangayi locked now
    clock.set("2026-12-07 10:15")  # 10:00 failures are exactly at the edge: they no longer count
    kept = LoginFailure.objects.create(username="edge", at=clock.now - datetime.timedelta(minutes=14, seconds=59))
    result = logins_prune()
    assert (result.login_failures, result.sms_codes) == (8, 0)
    assert list(LoginFailure.objects.values_list("pk", flat=True)) == [kept.pk]
    assert logins_prune().login_failures == 0  # a second run deletes nothing more
    clock.set("2026-12-08 09:00")
    out = __import__("io").StringIO()
    call_command("logins_prune", stdout=out)
    assert "login_failures=1 sms_codes=1" in out.getvalue()
    assert not LoginFailure.objects.exists() and not SmsCode.objects.exists()


def test_pruning_never_lifts_a_current_lock(world, clock):
    from gongzhi.core.jobs import logins_prune

    clock.set("2026-12-07 10:00")
    _fail(5)
    clock.set("2026-12-07 10:14:59")
    assert logins_prune().login_failures == 0
    assert _page(Client(), "wangayi", demo.DEMO_PASSWORD).status_code == 429
