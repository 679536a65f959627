"""The five platforms (五大平台: 局长驻点工作室, 两代表一委员工作室, 新时代文明实践中心, 政法干警进网格, 三社联动)
as bodies: each with its members and the estates it serves, recorded by the community's organisers (the
wrong community 404, the wrong role 403, an estate outside the community refused and nothing changed)."""

import pytest

from gongzhi.bodies import services as bodies_svc
from gongzhi.bodies.models import Organisation, OrgKind
from tests.helpers import PACIFIC, YIWU, estate

pytestmark = pytest.mark.usefixtures("world")
API = "/api/v1"


def post(client, url, body=None):
    return client.post(API + url, body or {}, content_type="application/json")


def test_the_five_platforms_are_bodies_with_members_and_the_estates_they_serve(login):
    platforms = Organisation.objects.filter(community__name="明福社区", kind__in=[
        OrgKind.DIRECTOR_STUDIO, OrgKind.DEPUTIES_STUDIO, OrgKind.CIVILISATION_CENTRE, OrgKind.POLICE_IN_GRID,
        OrgKind.THREE_SOCIAL])
    assert platforms.count() == 5
    for platform in platforms:
        assert platform.memberships.filter(active=True).exists()
        assert set(platform.serves.values_list("name", flat=True)) == {YIWU, PACIFIC}
    studio = platforms.get(kind=OrgKind.DIRECTOR_STUDIO)
    body = login("yanshuji").get(f"{API}/organisations/{studio.pk}").json()
    assert sorted(body["estates_served"]) == sorted([estate(YIWU).pk, estate(PACIFIC).pk])
    page = login("yanshuji").get(f"/organisations/{studio.pk}/").content.decode()
    assert 'data-testid="serve-form"' in page and "义乌城小区" in page
    assert 'data-testid="serve-form"' not in login("zhaozhuren").get(f"/organisations/{studio.pk}/").content.decode()


@pytest.mark.parametrize(("username", "estates", "status"), [
    ("yanshuji", [PACIFIC], 200),
    ("guanliyuan", ["育才新村"], 400),  # another community's estate
    ("zhaozhuren", [PACIFIC], 403),
    ("lijing", ["育才新村"], 404),
    ("yanshuji", ["育才新村"], 404),  # out of her sight
])
def test_who_records_the_estates_a_platform_serves(login, username, estates, status):
    studio = Organisation.objects.get(kind=OrgKind.DIRECTOR_STUDIO, community__name="明福社区")
    before = set(studio.serves.values_list("pk", flat=True))
    response = post(login(username), f"/organisations/{studio.pk}/estates-served",
                    {"estate_ids": [estate(n).pk for n in estates]})
    assert response.status_code == status, response.content
    after = set(studio.serves.values_list("pk", flat=True))
    assert after == ({estate(n).pk for n in estates} if status == 200 else before)


def test_only_a_platform_serves_estates_and_a_platform_hangs_at_the_community(persona):
    from gongzhi.core.errors import InvalidInput

    party = Organisation.objects.get(name="明福社区党总支")
    with pytest.raises(InvalidInput, match="五大平台"):
        bodies_svc.platform_serve(persona("yanshuji"), organisation_id=party.pk, estate_ids=[estate(PACIFIC).pk])
    with pytest.raises(InvalidInput):
        bodies_svc.organisation_create(persona("yanshuji"), kind=OrgKind.THREE_SOCIAL, name="三社联动",
                                       estate_id=estate(PACIFIC).pk)


def test_a_platforms_member_sits_for_it_at_a_meeting_of_an_estate_it_serves(login, persona, clock):
    import datetime

    from gongzhi.meetings import services as meetings

    def open_meeting(username, estate_name):
        meeting = meetings.meeting_plan(persona(username), estate_id=estate(estate_name).pk, kind="special",
                                        title="专题会（平台）", scheduled_at=clock.now + datetime.timedelta(days=1))
        meetings.meeting_open(persona(username), meeting_id=meeting.pk)
        return meeting

    served = open_meeting("yanshuji", PACIFIC)
    signed = post(login("hanjingguan"), f"/meetings/{served.pk}/attendance", {"party": "platform"})
    assert signed.status_code == 201, signed.content
    assert signed.json()["organisation_id"] == Organisation.objects.get(kind=OrgKind.POLICE_IN_GRID).pk
    elsewhere = open_meeting("lijing", "育才新村")  # 安和苑社区: no platform of 明福社区 serves it
    assert post(login("hanjingguan"), f"/meetings/{elsewhere.pk}/attendance", {"party": "platform"}).status_code == 403
