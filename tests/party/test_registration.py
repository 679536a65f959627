"""双报到: an in-service member registers where they live, naming their work unit; the community confirms
or declines; registering twice is refused (also when two submissions race, on PostgreSQL); the permission
grids for the pages and endpoints."""

import pytest

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.core.roles import Role
from gongzhi.party import services
from gongzhi.party.choices import RegistrationStatus
from gongzhi.party.models import Registration
from gongzhi.people import services as people
from gongzhi.people.choices import MemberStatus
from gongzhi.people.models import PartyMember
from gongzhi.places.models import Community
from tests.factories import user_with_role
from tests.helpers import PACIFIC, YIWU, estate, race, unit


def zh(template: str, **kw) -> str:
    return template.split(" / ")[0].format(**kw)


def mingfu() -> Community:
    return Community.objects.get(name="明福社区")


@pytest.fixture
def newcomer(db, world):
    """An in-service member living in 义乌城 with a login, not yet registered anywhere."""
    flat = unit(YIWU, "2-2-101")
    person = flat.ownerships.get(until__isnull=True).person
    user = user_with_role(Role.PARTY_MEMBER, flat, username="xinlai", first_name=person.name)
    person.user = user
    person.save()
    people.party_member_register(None, person_id=person.pk, status=MemberStatus.IN_SERVICE, work_unit="")
    return user


def submit(user, **kw):
    return services.registration_submit(user, estate_id=kw.pop("estate_id", estate(YIWU).pk),
                                        work_unit=kw.pop("work_unit", "安阳市财政局"), **kw)


def test_register_then_the_community_confirms(newcomer, persona, clock):
    registration = submit(newcomer)
    assert (registration.status, registration.community, registration.unit_name) == (
        RegistrationStatus.PENDING, mingfu(), "安阳市财政局")
    member = PartyMember.objects.get(person__user=newcomer)
    assert member.registered_community is None  # not until the community confirms
    services.registration_decide(persona("shequ"), registration_id=registration.pk, confirm=True)
    member.refresh_from_db()
    assert (member.registered_community, member.registered_on, member.work_unit) == (mingfu(), clock.today,
                                                                                      "安阳市财政局")
    assert set(AuditEntry.objects.filter(subject_type="party.registration", subject_id=str(registration.pk))
               .values_list("action", flat=True)) == {"registration.submit", "registration.confirm"}
    with pytest.raises(WrongState):  # decided already
        services.registration_decide(persona("shequ"), registration_id=registration.pk, confirm=False, note="x")


def test_registering_twice_is_refused_and_writes_nothing(newcomer, clock):
    first = submit(newcomer)
    with pytest.raises(WrongState) as refused:
        submit(newcomer, work_unit="另一个单位")
    assert refused.value.message.startswith(zh(services.REGISTERED_TWICE, name=first.member.person.name,
                                                     community="明福社区", status="待确认"))
    assert Registration.objects.filter(member=first.member).count() == 1


def test_a_member_already_on_record_cannot_register_again(persona):
    with pytest.raises(WrongState) as refused:
        submit(persona("dangyuan"))  # registered at 明福社区 since 2023
    assert "不能重复报到" in refused.value.message


def test_a_declined_registration_says_why_and_may_be_made_again(newcomer, persona, clock):
    first = submit(newcomer)
    with pytest.raises(InvalidInput):
        services.registration_decide(persona("shequ"), registration_id=first.pk, confirm=False, note="  ")
    services.registration_decide(persona("shequ"), registration_id=first.pk, confirm=False, note="单位名称有误")
    assert Registration.objects.get(pk=first.pk).status == RegistrationStatus.DECLINED
    assert submit(newcomer, work_unit="安阳市财政局机关").status == RegistrationStatus.PENDING


@pytest.mark.parametrize("case, message, error", [
    ("retired", services.NOT_IN_SERVICE, InvalidInput),
    ("not_home", services.ESTATE_NOT_HOME, InvalidInput),
    ("no_unit", services.WORK_UNIT_REQUIRED, InvalidInput),
    ("long_unit", services.WORK_UNIT_TOO_LONG, InvalidInput),
    ("not_member", services.NOT_A_MEMBER, PermissionDenied),
])
def test_registration_refusals(newcomer, persona, case, message, error):
    count = Registration.objects.count()
    who, kw = newcomer, {}
    if case == "retired":
        who = persona("chen")
    elif case == "not_home":
        kw = {"estate_id": estate(PACIFIC).pk}
    elif case == "no_unit":
        kw = {"work_unit": " "}
    elif case == "long_unit":
        kw = {"work_unit": "单" * 101}
    elif case == "not_member":
        who = persona("wangayi")
    with pytest.raises(error) as refused:
        submit(who, **kw)
    assert refused.value.message == message
    assert Registration.objects.count() == count


def test_a_work_organisation_out_of_sight_is_not_found(newcomer):
    from gongzhi.bodies.models import Organisation

    hidden = Organisation.objects.get(name="安和苑社区党总支")
    with pytest.raises(NotFound):
        submit(newcomer, work_organisation_id=hidden.pk)


DECIDE = {"shequ": 200, "yanshuji": 200, "guanliyuan": 200, "wuganbu": 403, "wangayi": 403, "chen": 403,
          "zhaozhuren": 403, "lijing": 404}


@pytest.mark.parametrize("who", list(DECIDE))
@pytest.mark.parametrize("verb", ["confirm", "decline"])
def test_decide_grid(newcomer, login, who, verb):
    registration = submit(newcomer)
    response = login(who).post(f"/api/v1/party/registrations/{registration.pk}/{verb}", {"note": "核实无误"},
                               content_type="application/json")
    assert response.status_code == DECIDE[who], response.content
    registration.refresh_from_db()
    decided = RegistrationStatus.CONFIRMED if verb == "confirm" else RegistrationStatus.DECLINED
    assert registration.status == (decided if response.status_code == 200 else RegistrationStatus.PENDING)


LIST = {"shequ": 200, "yanshuji": 200, "wuganbu": 200, "guanliyuan": 200, "chen": 403, "wangayi": 403,
        "dangyuan": 403, "liukezhang": 403, "lijing": 404}


@pytest.mark.parametrize("who", list(LIST))
def test_registration_list_grid(login, who):
    client = login(who)
    page = client.get(f"/communities/{mingfu().pk}/party/registrations/")
    assert page.status_code == LIST[who]
    assert client.get(f"/api/v1/communities/{mingfu().pk}/party/registrations").status_code == LIST[who]
    if LIST[who] != 200:
        assert "安阳市税务局" not in page.content.decode()


def test_the_demo_has_yiwus_members_registered_and_a_few_pending(login):
    rows = login("shequ").get(f"/api/v1/communities/{mingfu().pk}/party/registrations",
                              {"status": "pending"}).json()
    assert len(rows) >= 1 and all(r["estate"] == YIWU for r in rows)
    confirmed = Registration.objects.filter(community=mingfu(), status=RegistrationStatus.CONFIRMED).count()
    assert confirmed >= 3
    assert login("guanliyuan").get(f"/api/v1/communities/{mingfu().pk}/party/registrations",
                                   {"status": "nonsense"}).status_code == 422


def test_register_and_confirm_on_the_pages(newcomer, client, login, clock):
    client.force_login(newcomer)
    page = client.get("/party/registration/").content.decode()
    assert 'data-api="registration_submit"' in page
    client.post("/party/registration/", {"estate": estate(YIWU).pk, "work_unit": "文峰区教育局"})
    registration = Registration.objects.get(member__person__user=newcomer)
    page = client.get("/party/registration/").content.decode()
    assert "待确认" in page and 'data-api="registration_submit"' not in page  # no second form
    assert client.post("/party/registration/", {"estate": estate(YIWU).pk, "work_unit": "x"}).status_code == 409
    staff = login("shequ")
    listed = staff.get(f"/communities/{mingfu().pk}/party/registrations/?status=pending").content.decode()
    assert f'data-testid="confirm-{registration.pk}"' in listed
    staff.post(f"/communities/{mingfu().pk}/party/registrations/", {"action": "confirm",
                                                                     "registration_id": registration.pk})
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    reader = login("wuganbu").get(f"/communities/{mingfu().pk}/party/registrations/").content.decode()
    assert "data-testid=\"confirm-" not in reader  # the subdistrict reads, the community decides


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_registrations_at_once_one_wins(newcomer):
    results = race([lambda: submit(newcomer), lambda: submit(newcomer, work_unit="另一个单位")])
    assert sum(isinstance(r, Registration) for r in results) == 1, results
    assert sum(isinstance(r, WrongState) for r in results) == 1, results
    assert Registration.objects.filter(member__person__user=newcomer).count() == 1


# --- the yearly statement to each work unit ---------------------------------------------------------------------
def _pdf_text(data: bytes) -> str:
    import io

    import pypdfium2

    pdf = pypdfium2.PdfDocument(io.BytesIO(data))
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    return "".join(text.split())  # a table cell may wrap: compare without the breaks


def test_the_yearly_statement_names_the_units_members_and_their_points(login, persona, clock):
    from gongzhi.party import selectors

    he = PartyMember.objects.get(person__user=persona("dangyuan"))
    year = clock.today.year
    index = login("yanshuji").get(f"/communities/{mingfu().pk}/party/statements/", {"year": year}).content.decode()
    assert "安阳市财政局" in index
    answer = login("yanshuji").get(f"/communities/{mingfu().pk}/party/statements/statement.pdf",
                                   {"year": year, "unit": "安阳市财政局"})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    text = _pdf_text(answer.content)
    points = sum(e.points for e in he.points_entries.filter(on__year=year))
    assert he.person.name in text and "安阳市财政局" in text and str(points) in text
    assert [line.points for line in selectors.unit_statement(community=mingfu(), year=year, unit="安阳市财政局")
            if line.member == he] == [points]


@pytest.mark.parametrize("who, status", [("wuganbu", 200), ("chen", 403), ("dangyuan", 403), ("lijing", 404)])
def test_statement_grid(login, who, status):
    client = login(who)
    assert client.get(f"/communities/{mingfu().pk}/party/statements/").status_code == status
    pdf = client.get(f"/communities/{mingfu().pk}/party/statements/statement.pdf", {"unit": "安阳市财政局"})
    assert pdf.status_code == status


def test_a_unit_with_nobody_here_is_not_found(login):
    client = login("yanshuji")
    for name in ("没有这个单位", ""):
        assert client.get(f"/communities/{mingfu().pk}/party/statements/statement.pdf",
                          {"unit": name}).status_code == 404
