"""Logging in by mobile and a one-time SMS code (issue 16 item 7): six digits, valid five minutes, used
once, kept only as a keyed hash; one code a minute and a few an hour per mobile and per address; wrong
codes count toward the lockout; an unknown mobile gets exactly the answer a known one gets."""

import datetime
import logging

import pytest
from django.test import Client

from gongzhi import demo
from gongzhi.core import notifications, selectors, services
from gongzhi.core.choices import AuditAction
from gongzhi.core.models import ApiToken, AuditEntry, SmsCode

pytestmark = pytest.mark.django_db

CODE = "/api/v1/auth/sms-code"
TOKEN = "/api/v1/auth/sms-token"
UNKNOWN = "13900000000"  # no login has it (checked in the fixture)


@pytest.fixture
def wang(world, persona):
    user = persona("wangayi")
    assert services.mobile_clean(user.person.phone) == user.person.phone
    assert selectors.account_by_mobile(UNKNOWN) is None
    return user


@pytest.fixture
def texts(monkeypatch, django_capture_on_commit_callbacks):
    """The codes the SMS adapter was handed (after the commit, as in production), by mobile."""
    sent: list[tuple[str, str]] = []
    real = notifications.sms_channel.send_text

    def spy(phone, text, *, secret=""):
        sent.append((phone, secret))
        real(phone, text, secret=secret)

    monkeypatch.setattr(notifications.sms_channel, "send_text", spy)
    return sent


def _ask(mobile, address="10.0.0.1", *, capture=None):
    def post():
        return Client().post(CODE, {"mobile": mobile}, content_type="application/json", REMOTE_ADDR=address)
    if capture is None:
        return post()
    with capture(execute=True):
        return post()


def _log_in(mobile, code, address="10.0.0.1"):
    return Client().post(TOKEN, {"mobile": mobile, "code": code}, content_type="application/json",
                         REMOTE_ADDR=address)


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    def run(mobile, address="10.0.0.1"):
        return _ask(mobile, address, capture=django_capture_on_commit_callbacks)
    return run


def test_a_code_logs_in_once_and_is_kept_only_as_a_hash(wang, texts, ask, clock):
    clock.set("2026-12-07 10:00")
    phone = wang.person.phone
    answer = ask(phone)
    assert answer.status_code == 202
    assert answer.json()["detail"] == services.SMS_CODE_SENT.format(minutes=5)
    [(to, code)] = texts
    assert to == phone and len(code) == 6 and code.isdigit()
    row = SmsCode.objects.get(phone=phone)
    assert code not in row.code_hash and row.code_hash == services.sms_code_hash(phone, code)
    assert AuditEntry.objects.filter(action=AuditAction.ACCOUNT_SMS_CODE, subject_id=str(wang.pk)).count() == 1

    first = _log_in(phone, code)
    assert first.status_code == 201
    raw = first.json()["token"]
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["username"] == "wangayi"
    again = _log_in(phone, code)
    assert again.status_code == 401 and again.json()["detail"] == services.SMS_CODE_WRONG
    assert ApiToken.objects.filter(user=wang).count() == 1


def test_a_code_is_good_until_just_before_five_minutes_and_not_at_five(wang, texts, ask, clock):
    phone = wang.person.phone
    clock.set("2026-12-07 10:00")
    ask(phone)
    clock.set("2026-12-07 10:05")
    assert _log_in(phone, texts[-1][1]).status_code == 401
    ask(phone)
    clock.set("2026-12-07 10:09:59")
    assert _log_in(phone, texts[-1][1]).status_code == 201


def test_one_code_a_minute_the_61st_second_sends_a_new_one_and_spends_the_old(wang, texts, ask, clock):
    phone = wang.person.phone
    clock.set("2026-12-07 10:00")
    ask(phone)
    clock.set("2026-12-07 10:00:59")
    soon = ask(phone)
    assert soon.status_code == 429 and soon.json() == {"detail": services.SMS_TOO_SOON.format(seconds=1),
                                                       "code": "throttled", "field": None}
    assert len(texts) == 1
    clock.set("2026-12-07 10:01")
    assert ask(phone).status_code == 202
    assert len(texts) == 2
    older = SmsCode.objects.filter(phone=phone).earliest("created_at")
    assert older.spent_at == clock.now  # the newer code spends the older one
    assert _log_in(phone, texts[1][1]).status_code == 201


def test_a_few_codes_an_hour_per_mobile(wang, texts, ask, clock, settings):
    settings.GONGZHI_SMS_PER_MOBILE_HOUR = 5
    phone = wang.person.phone
    start = datetime.datetime.fromisoformat("2026-12-07 10:00")
    for n in range(5):
        clock.set(start + datetime.timedelta(minutes=n))
        assert ask(phone).status_code == 202
    clock.set(start + datetime.timedelta(minutes=10))
    many = ask(phone)
    assert many.status_code == 429 and many.json()["detail"] == services.SMS_TOO_MANY.format(minutes=50)
    clock.set(start + datetime.timedelta(minutes=60))
    assert ask(phone).status_code == 202
    assert len(texts) == 6


def test_a_few_codes_an_hour_per_address(world, ask, clock, settings):
    settings.GONGZHI_SMS_PER_ADDRESS_HOUR = 3
    clock.set("2026-12-07 10:00")
    for n in range(3):
        assert ask(f"1390000000{n}", "10.7.7.7").status_code == 202
    assert ask("13900000009", "10.7.7.7").status_code == 429
    assert ask("13900000009", "10.8.8.8").status_code == 202


def test_an_unknown_mobile_gets_the_same_answers_and_no_text(wang, texts, ask, clock):
    clock.set("2026-12-07 10:00")
    known, unknown = ask(wang.person.phone, "10.0.0.1"), ask(UNKNOWN, "10.0.0.2")
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert [to for to, _ in texts] == [wang.person.phone]
    assert ask(wang.person.phone, "10.0.0.3").json() == ask(UNKNOWN, "10.0.0.4").json()  # throttled alike
    wrong = "000000" if texts[0][1] != "000000" else "111111"
    wrong_known, wrong_unknown = _log_in(wang.person.phone, wrong), _log_in(UNKNOWN, wrong)
    assert (wrong_known.status_code, wrong_known.json()) == (wrong_unknown.status_code, wrong_unknown.json())


def test_a_bad_mobile_is_refused_and_nothing_is_written(world, ask):
    for typed in ["1380013800", "23800138000", "１３８００１３８０００", "138 0013 800x"]:
        answer = ask(typed)
        assert answer.status_code == 400 and answer.json()["detail"] == services.SMS_BAD_MOBILE
    assert not SmsCode.objects.exists()


def test_wrong_codes_lock_the_account_for_codes_and_passwords_alike(wang, texts, ask, clock):
    clock.set("2026-12-07 10:00")
    phone = wang.person.phone
    ask(phone)
    code = texts[-1][1]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert _log_in(phone, wrong).status_code == 401
    locked = _log_in(phone, code)
    assert locked.status_code == 429 and locked.json()["code"] == "locked"
    assert Client().post("/login/", {"username": "wangayi", "password": demo.DEMO_PASSWORD}).status_code == 429
    assert AuditEntry.objects.filter(action=AuditAction.ACCOUNT_LOCK, subject_id=str(wang.pk)).count() == 1
    for _ in range(5):  # an unknown mobile locks the same way
        _log_in(UNKNOWN, "000000")
    assert _log_in(UNKNOWN, "000000").json()["code"] == "locked"


def test_the_code_is_in_the_log_only_in_the_demo_and_the_phone_is_masked(wang, ask, clock, caplog, settings):
    phone = wang.person.phone
    masked = f"{phone[:3]}****{phone[-4:]}"
    clock.set("2026-12-07 10:00")
    settings.GONGZHI_SMS_LOG_CODES = False
    with caplog.at_level(logging.INFO, logger="gongzhi.notifications"):
        ask(phone)
    [line] = [r.getMessage() for r in caplog.records if "sms to" in r.getMessage()]
    assert masked in line and phone not in line and "******" in line
    caplog.clear()
    settings.GONGZHI_SMS_LOG_CODES = True
    clock.set("2026-12-07 10:01")
    with caplog.at_level(logging.INFO, logger="gongzhi.notifications"):
        ask(phone)
    [line] = [r.getMessage() for r in caplog.records if "sms to" in r.getMessage()]
    row = SmsCode.objects.filter(phone=phone).latest("created_at")
    code = next(c for c in (line[i:i + 6] for i in range(len(line) - 5)) if c.isdigit()
                and services.sms_code_hash(phone, c) == row.code_hash)
    assert masked in line and phone not in line and code in line


# --- the page -----------------------------------------------------------------------------------------
def test_the_login_page_links_to_the_sms_page_and_it_logs_in(wang, texts, clock, django_capture_on_commit_callbacks):
    clock.set("2026-12-07 10:00")
    assert 'href="/login/sms/' in Client().get("/login/").content.decode()
    client = Client()
    first = client.get("/login/sms/")
    assert first.status_code == 200 and 'name="s-mobile"' in first.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/login/sms/", {"action": "send", "s-mobile": wang.person.phone})
    text = sent.content.decode()
    assert sent.status_code == 200 and 'name="l-code"' in text
    assert str(services.SMS_CODE_SENT.format(minutes=5)) in text
    wrong = client.post("/login/sms/", {"action": "login", "l-mobile": wang.person.phone, "l-code": "12345x"})
    assert wrong.status_code == 401 and "_auth_user_id" not in client.session
    done = client.post("/login/sms/", {"action": "login", "l-mobile": wang.person.phone, "l-code": texts[-1][1]})
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.session["_auth_user_id"] == str(wang.pk)


def test_the_page_says_when_a_code_is_wrong_or_too_soon(wang, clock, django_capture_on_commit_callbacks):
    clock.set("2026-12-07 10:00")
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/login/sms/", {"action": "send", "s-mobile": wang.person.phone})
        soon = client.post("/login/sms/", {"action": "send", "s-mobile": wang.person.phone})
    assert soon.status_code == 429 and services.SMS_TOO_SOON.format(seconds=60) in soon.content.decode()
    wrong = client.post("/login/sms/", {"action": "login", "l-mobile": wang.person.phone, "l-code": "000000"})
    assert wrong.status_code == 401 and services.SMS_CODE_WRONG in wrong.content.decode()


def test_the_admin_names_codes_and_failures_in_local_time_with_the_phone_masked(world):
    """An instant just after midnight in Shanghai is still the day before in UTC: the admin shows Shanghai's."""
    import datetime as dt

    from gongzhi.core import clock as source
    from gongzhi.core.models import LoginFailure, SmsCode

    at = source.at(dt.date(2027, 1, 1), dt.time(0, 30))
    code = SmsCode(phone="13812345678", code_hash="x", created_at=at, expires_at=at)
    assert str(code) == "138****5678 · 2027-01-01 00:30"
    assert str(LoginFailure(username="wangayi", address="127.0.0.1", at=at)).endswith("2027-01-01 00:30")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_ever_codes_for_one_mobile_at_once_send_one(wang):
    """Before any code row exists there is nothing to lock: two requests at the same instant both passed
    the once-a-minute check. The mobile's lock lets one through; the other is told to wait."""
    from tests.helpers import race

    mobile = wang.person.phone
    for round_ in range(3):
        SmsCode.objects.filter(phone=mobile).delete()
        address = f"10.0.{round_}.1"
        results = race([lambda a=address: services.sms_code_send(None, mobile=mobile, address=a) for _ in range(4)])
        sent = [r for r in results if isinstance(r, str)]
        throttled = [r for r in results if isinstance(r, services.SmsThrottled)]
        assert (len(sent), len(throttled)) == (1, 3), results
        assert SmsCode.objects.filter(phone=mobile).count() == 1
