"""Advisers: the estate's 顾问组 (with a profession) and 智囊团, appointed by the committee chair or the
community; "ask the advisers" on a meetings matter: each is asked in the inbox, writes an opinion once,
attached to the step the matter stood at (and refused once it moved on); the matter's page shows the
opinions; the permission grid, the pages and the API twins."""

import pytest

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import Notification
from gongzhi.meetings.choices import MatterStatus
from gongzhi.meetings.models import Matter
from gongzhi.services import selectors, services
from gongzhi.services.models import AdviceOpinion, AdviceRequest, Adviser
from gongzhi.services.services import advisers as adv
from tests.helpers import PACIFIC, estate
from tests.services.helpers import zh

JSON = "application/json"


def matter():
    """A 太平洋花园 matter in progress (the demo asked its advisers on one)."""
    found = Matter.objects.filter(estate__name=PACIFIC, status=MatterStatus.IN_PROGRESS).order_by("pk")
    return found.exclude(pk__in=AdviceRequest.objects.values("matter_id")).first() or found.first()


def test_the_demo_has_the_advisers_group_and_the_think_tank(world):
    advisers = Adviser.objects.filter(estate__name=PACIFIC, active=True)
    assert advisers.filter(panel="advisers").count() == 5 and advisers.filter(panel="think_tank").count() == 4
    assert set(advisers.filter(panel="advisers").values_list("profession", flat=True)) >= {"律师", "医生", "中学教师"}
    asked = AdviceRequest.objects.get(estate__name=PACIFIC)
    assert asked.opinions.count() == 9 and asked.opinions.filter(written_at__isnull=False).count() == 2


ADD_GRID = {"zhaozhuren": None, "yanshuji": None, "weiyuan": PermissionDenied, "chen": PermissionDenied,
            "wangayi": NotFound, "lijing": NotFound}


@pytest.mark.parametrize("who", list(ADD_GRID))
def test_who_appoints_an_adviser(persona, world, who):
    args = {"estate_id": estate(PACIFIC).pk, "user_id": persona("wangjingli").pk, "panel": "advisers",
            "profession": "物业经理"}
    if ADD_GRID[who] is None:
        assert services.adviser_add(persona(who), **args).added_by.username == who
    else:
        with pytest.raises(ADD_GRID[who]):
            services.adviser_add(persona(who), **args)
        assert not Adviser.objects.filter(user__username="wangjingli").exists()


def test_bad_appointments_change_nothing(persona, world):
    chair, pacific = persona("zhaozhuren"), estate(PACIFIC).pk
    before = Adviser.objects.count()
    with pytest.raises(InvalidInput, match=zh(adv.NOT_IN_ESTATE)):
        services.adviser_add(chair, estate_id=pacific, user_id=persona("wangayi").pk, panel="think_tank")
    with pytest.raises(InvalidInput, match=zh(adv.PROFESSION_REQUIRED)):
        services.adviser_add(chair, estate_id=pacific, user_id=persona("wangjingli").pk, panel="advisers")
    with pytest.raises(InvalidInput, match=zh(adv.UNKNOWN_PANEL)):
        services.adviser_add(chair, estate_id=pacific, user_id=persona("wangjingli").pk, panel="jury")
    with pytest.raises(WrongState, match="已是本小区的顾问组成员"):
        services.adviser_add(chair, estate_id=pacific, user_id=persona("lixiansheng").pk, panel="think_tank")
    assert Adviser.objects.count() == before
    removed = services.adviser_remove(chair, adviser_id=Adviser.objects.get(user__username="lixiansheng").pk)
    assert not removed.active
    with pytest.raises(WrongState, match=zh(adv.NOT_ACTIVE)):
        services.adviser_remove(chair, adviser_id=removed.pk)
    again = services.adviser_add(chair, estate_id=pacific, user_id=persona("lixiansheng").pk, panel="think_tank")
    assert again.active and Adviser.objects.filter(user__username="lixiansheng").count() == 2


def test_asking_the_advisers_and_their_opinions_on_the_step(persona, world):
    subject = matter()
    step = selectors.current_step(subject)
    with pytest.raises(PermissionDenied):
        services.advice_ask(persona("chen"), matter_id=subject.pk, question="意见？")
    with pytest.raises(NotFound):
        services.advice_ask(persona("wangayi"), matter_id=subject.pk, question="意见？")
    with pytest.raises(InvalidInput, match=zh(adv.QUESTION_REQUIRED)):
        services.advice_ask(persona("zhaozhuren"), matter_id=subject.pk, question=" ")
    asked = services.advice_ask(persona("zhaozhuren"), matter_id=subject.pk, question="合同期限三年是否合适？",
                                panel="advisers")
    assert (asked.step_index, asked.step_label) == (subject.step_index, step.label)
    lawyer = persona("lixiansheng")
    assert asked.opinions.count() == 5  # the 顾问组 only
    assert Notification.objects.filter(user=lawyer, title=f"请提出顾问意见：{subject.title}",
                                       link=f"/advice/{asked.pk}/").exists()
    with pytest.raises(PermissionDenied, match=zh(adv.NOT_ASKED)):  # 智囊团: not asked this time
        services.advice_give(persona("chen"), advice_request_id=asked.pk, text="同意")
    with pytest.raises(InvalidInput, match=zh(adv.OPINION_REQUIRED)):
        services.advice_give(lawyer, advice_request_id=asked.pk, text="")
    opinion = services.advice_give(lawyer, advice_request_id=asked.pk, text="三年合适，须约定考核退出条款。")
    assert opinion.written_at is not None
    with pytest.raises(WrongState, match=zh(adv.ALREADY_GIVEN)):
        services.advice_give(lawyer, advice_request_id=asked.pk, text="改主意了")
    Matter.objects.filter(pk=subject.pk).update(step_index=subject.step_index + 1)  # the meetings app moved it on
    with pytest.raises(WrongState, match=zh(adv.STEP_MOVED_ON)):
        services.advice_give(persona("louzhang1"), advice_request_id=asked.pk, text="同意")
    assert AdviceOpinion.objects.get(request=asked, adviser__user=lawyer).text == "三年合适，须约定考核退出条款。"
    assert AdviceOpinion.objects.filter(request=asked, written_at__isnull=False).count() == 1


def test_no_advisers_to_ask(persona, world):
    for adviser in Adviser.objects.filter(estate__name=PACIFIC, active=True):
        services.adviser_remove(None, adviser_id=adviser.pk)
    with pytest.raises(WrongState, match=zh(adv.NO_ADVISERS)):
        services.advice_ask(persona("zhaozhuren"), matter_id=matter().pk, question="意见？")


# --- pages and API ------------------------------------------------------------------------------------
MATTER_PAGE = {"zhaozhuren": (200, True), "yanshuji": (200, True), "lixiansheng": (200, False),
               "wangayi": (404, False)}


@pytest.mark.parametrize("who", list(MATTER_PAGE))
def test_the_matter_page_shows_the_opinions_and_asks_only_for_organisers(login, world, who):
    status, asks = MATTER_PAGE[who]
    asked = AdviceRequest.objects.get(estate__name=PACIFIC)
    response = login(who).get(f"/matters/{asked.matter_id}/")
    assert response.status_code == status
    html = response.content.decode()
    assert ('data-testid="matter-advice"' in html) == (status == 200)
    assert ("收费须经业主大会表决并公示收支" in html) == (status == 200)
    assert ('data-api="advice_ask"' in html) == asks
    posted = login(who).post(f"/matters/{asked.matter_id}/advice/", {"question": "再问一次"})
    assert posted.status_code == (302 if asks else 404 if status == 404 else 403)
    assert AdviceRequest.objects.filter(question="再问一次").exists() == asks


ADVICE_PAGE = {"louzhang1": (200, True), "lixiansheng": (200, False), "zhaozhuren": (200, False),
               "wangayi": (404, False)}


@pytest.mark.parametrize("who", list(ADVICE_PAGE))
def test_the_advice_page_offers_the_opinion_form_to_an_adviser_not_yet_written(login, world, who):
    status, writes = ADVICE_PAGE[who]
    asked = AdviceRequest.objects.get(estate__name=PACIFIC)
    response = login(who).get(f"/advice/{asked.pk}/")
    assert response.status_code == status
    assert ('data-api="advice_give"' in response.content.decode()) == writes
    posted = login(who).post(f"/advice/{asked.pk}/", {"action": "opinion", "text": "按季度公开收支"})
    assert posted.status_code == (302 if writes else 404 if status == 404 else 403)
    assert AdviceOpinion.objects.filter(request=asked, text="按季度公开收支").exists() == writes


def test_advisers_and_advice_by_api(login, persona, world):
    pacific = estate(PACIFIC).pk
    listed = login("chen").get(f"/api/v1/advisers?estate_id={pacific}").json()["items"]
    assert len(listed) == 9 and {a["panel"] for a in listed} == {"advisers", "think_tank"}
    assert login("wangayi").get(f"/api/v1/advisers?estate_id={pacific}").json()["items"] == []
    body = {"estate_id": pacific, "user_id": persona("wangjingli").pk, "panel": "think_tank"}
    assert login("chen").post("/api/v1/advisers", body, content_type=JSON).status_code == 403
    made = login("zhaozhuren").post("/api/v1/advisers", body, content_type=JSON)
    assert made.status_code == 201 and made.json()["name"] == "王建伟"
    subject = matter()
    asked = login("zhaozhuren").post(f"/api/v1/matters/{subject.pk}/advice", {"question": "是否续聘物业？"},
                                     content_type=JSON)
    assert asked.status_code == 201 and len(asked.json()["opinions"]) == 10
    assert login("chen").post(f"/api/v1/matters/{subject.pk}/advice", {"question": "x"},
                              content_type=JSON).status_code == 403
    pk = asked.json()["id"]
    given = login("wangjingli").post(f"/api/v1/advice/{pk}/opinion", {"text": "建议续聘"}, content_type=JSON)
    assert given.status_code == 200
    assert [o["text"] for o in given.json()["opinions"] if o["name"] == "王建伟"] == ["建议续聘"]
    twice = login("wangjingli").post(f"/api/v1/advice/{pk}/opinion", {"text": "再说"}, content_type=JSON)
    assert twice.status_code == 409
    assert login("wangayi").get(f"/api/v1/matters/{subject.pk}/advice").status_code == 404
    assert any(a["id"] == pk for a in login("chen").get(f"/api/v1/matters/{subject.pk}/advice").json())
