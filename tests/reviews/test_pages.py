"""The pages and their API twins by persona: who sees which page and which form (wrong role → 403, wrong
estate → 404, never data), the page actions doing what the API does."""

import base64
import io
import json

import pytest
from PIL import Image

from gongzhi.reviews import services
from gongzhi.reviews.models import ListEntry, OfflineGroup, Response
from tests.helpers import PACIFIC, YIWU, estate, unit
from tests.reviews.helpers import after_close, evaluation, marks

JSON = "application/json"

ESTATE_PAGE = {"wangayi": 200, "zhangjingli": 200, "yanshuji": 200, "lijing": 404, "liukezhang": 200}


@pytest.mark.parametrize("who", list(ESTATE_PAGE))
def test_the_estate_page_by_persona(login, world, who):
    page = login(who).get(f"/estates/{estate(YIWU).pk}/reviews/")
    assert page.status_code == ESTATE_PAGE[who]
    if page.status_code == 200:
        assert (b'data-testid="evaluation-form"' in page.content) == (who == "yanshuji")


EVALUATION_PAGE = {"wangayi": (200, True, False), "zhangjingli": (200, False, False),
                   "yanshuji": (200, False, True), "lijing": (404, False, False)}


@pytest.mark.parametrize("who", list(EVALUATION_PAGE))
def test_the_evaluation_page_shows_only_the_forms_one_may_submit(login, persona, world, clock, who):
    ev = evaluation(persona)
    status, answers, enters = EVALUATION_PAGE[who]
    page = login(who).get(f"/evaluations/{ev.pk}/")
    assert page.status_code == status
    if status == 200:
        assert (b'data-testid="answer-form"' in page.content) == answers
        assert (b'data-testid="group-form"' in page.content) == enters
        assert b"publish-form" not in page.content  # not before the close


def test_owner_answers_on_the_page_and_the_api_refuses_the_second(login, persona, world, clock):
    ev = evaluation(persona)
    client = login("wangayi")
    home = unit(YIWU, "5-1-302")
    form = {"action": "answer", "unit_id": home.pk, **{f"item_{k}": v for k, v in marks(ev, 5, 4, 3).items()}}
    assert client.post(f"/evaluations/{ev.pk}/", form).status_code == 302
    again = client.post(f"/api/v1/evaluations/{ev.pk}/responses", json.dumps(
        {"unit_id": home.pk, "scores": marks(ev, 1, 1, 1)}), content_type=JSON)
    assert again.status_code == 409 and "已经评议过" in again.json()["detail"]
    assert Response.objects.get(evaluation=ev).scores == marks(ev, 5, 4, 3)
    page = client.get(f"/evaluations/{ev.pk}/")
    assert b'data-testid="answer-form"' not in page.content and "5-1-302 已评议" in page.content.decode()


def test_a_resident_posting_a_group_is_refused_and_the_api_enters_it_for_the_community(login, persona, world, clock):
    ev = evaluation(persona)
    posted = {"action": "group", "name": "业主代表", "kind": "representatives", "weight": "20", "forms": "9",
              **{f"group_{k}": "4.0" for k in marks(ev, 1, 1, 1)}}
    assert login("wangayi").post(f"/evaluations/{ev.pk}/", posted).status_code == 403
    assert not OfflineGroup.objects.filter(evaluation=ev).exists()
    answer = login("yanshuji").post(f"/api/v1/evaluations/{ev.pk}/groups", json.dumps(
        {"name": "业主代表", "kind": "representatives", "weight": 20, "forms": 9,
         "scores": marks(ev, "4.0", "4.5", "3.5")}), content_type=JSON)
    assert answer.status_code == 201, answer.content
    assert login("lijing").get(f"/api/v1/evaluations/{ev.pk}").status_code == 404
    assert login("wangayi").get(f"/api/v1/evaluations/{ev.pk}/groups").status_code == 404


def test_the_interview_page_and_report_by_api_with_a_photo(login, persona, world, clock):
    ev = evaluation(persona, survey_weight=100, requests_weight=0, threshold="70")
    services.offline_enter(persona("yanshuji"), evaluation_id=ev.pk, name="业主代表", kind="representatives",
                           weight=20, forms=10, scores=marks(ev, "3", "3", "3"))
    after_close(clock, ev)
    services.evaluation_publish(persona("yanshuji"), evaluation_id=ev.pk)
    created = login("yanshuji").post(f"/api/v1/estates/{ev.estate_id}/interviews", json.dumps({
        "reason": "low_result", "evaluation_id": ev.pk, "held_on": str(clock.today), "minutes": "约谈",
        "commitments": [{"text": "清理楼道杂物", "working_days": 3}]}), content_type=JSON)
    assert created.status_code == 201, created.content
    interview = created.json()
    item_id = interview["items"][0]["id"]
    company_page = login("zhangjingli").get(f"/interviews/{interview['id']}/").content
    assert b"report-form-1" in company_page and b"check-form-1" not in company_page
    assert login("lijing").get(f"/interviews/{interview['id']}/").status_code == 404
    picture = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(picture, "PNG")
    reported = login("zhangjingli").post(f"/api/v1/rectifications/{item_id}/report", json.dumps({
        "text": "已清理", "photos": [{"name": "a.png", "data_base64": base64.b64encode(picture.getvalue()).decode()}]}),
        content_type=JSON)
    assert reported.status_code == 201 and reported.json()["photos"] == 1
    own = login("zhangjingli").post(f"/api/v1/rectifications/{item_id}/check", json.dumps({"passed": True}),
                                    content_type=JSON)
    assert own.status_code == 403 and "不能验收自己的整改" in own.json()["detail"]
    checker_page = login("yanshuji").get(f"/interviews/{interview['id']}/").content
    assert b"check-form-1" in checker_page
    checked = login("yanshuji").post(f"/api/v1/rectifications/{item_id}/check",
                                     json.dumps({"passed": False, "note": "仍有杂物"}), content_type=JSON)
    assert checked.status_code == 200 and checked.json()["status"] == "open"


def test_the_honour_list_pages(login, persona, world, clock):
    page = login("shequ").post(f"/estates/{estate(YIWU).pk}/honour-list/", {
        "unit_code": "5-1-302", "kind": "warning", "article": "第七条", "evidence": "高空抛物"})
    assert page.status_code == 302
    entry = ListEntry.objects.get(unit=unit(YIWU, "5-1-302"))
    bad = login("shequ").post(f"/estates/{estate(YIWU).pk}/honour-list/", {
        "unit_code": "99-9-999", "kind": "warning", "article": "第七条", "evidence": "高空抛物"}, follow=True)
    assert services.UNIT_ELSEWHERE.split(" / ")[0] in bad.content.decode()
    assert ListEntry.objects.filter(estate=estate(YIWU)).count() == 1
    assert login("wangayi").post(f"/estates/{estate(YIWU).pk}/honour-list/", {"unit_code": "5-1-302"}).status_code == 403
    mine = login("wangayi").get(f"/honour-list/entries/{entry.pk}/")
    assert b"objection-form" in mine.content and b"review-form" not in mine.content
    assert login("zuhu").get(f"/honour-list/entries/{entry.pk}/").status_code == 404
    assert login("lijing").get(f"/api/v1/list-entries/{entry.pk}").status_code == 404
    review = login("yanshuji").get(f"/honour-list/entries/{entry.pk}/")
    assert b"review-form" not in review.content  # the window is still open
    board = login("wangayi").get(f"/api/v1/estates/{estate(YIWU).pk}/honour-list")
    assert board.status_code == 200 and board.json() == []
    assert login("wangayi").get(f"/estates/{estate(PACIFIC).pk}/honour-list/").status_code == 404


def test_home_pages_show_open_and_overdue_items_and_the_open_evaluation(login, world):
    """The demo: 太平洋花园's company in rectification (one item overdue); 义乌城's evaluation open to owners."""
    company = login("wangjingli").get("/").content.decode()
    assert 'data-testid="card-rectification"' in company and 'data-testid="overdue-count"' in company
    assert 'data-testid="card-rectification"' in login("yanshuji").get("/").content.decode()
    assert 'data-testid="card-rectification"' not in login("zhangjingli").get("/").content.decode()
    assert 'data-testid="card-evaluations"' in login("wangayi").get("/").content.decode()


def test_the_dashboard_section(persona, world):
    from gongzhi.core import clock as source
    from gongzhi.core.figures import Place
    from gongzhi.reviews import selectors
    from gongzhi.reviews.models import Rectification

    mingfu = Place("community", estate(YIWU).community)
    section = selectors.dashboard_section(fetched_by=persona("yanshuji"), place=mingfu,
                                          period=source.period(source.PeriodKind.YEAR))
    figures = {f.key: f.value for f in section.figures}
    open_items = Rectification.objects.filter(interview__estate__community=mingfu.obj, status__in=["open", "reported"])
    assert figures["rectifying"] == open_items.count() >= 2
    assert figures["overdue"] == open_items.filter(status="open", due_at__lt=source.now()).count() >= 1
    assert section.listings and section.listings[0].rows
    assert selectors.dashboard_section(fetched_by=persona("wangayi"), place=mingfu,
                                       period=source.period(source.PeriodKind.YEAR)) is None


def test_bad_form_input_is_told_and_changes_nothing(login, persona, world, clock):
    from gongzhi.bodies.models import Organisation
    from gongzhi.reviews.models import Evaluation, Interview

    yiwu = estate(YIWU)
    company = Organisation.objects.get(name="安阳义乌城物业服务有限公司")
    before = Evaluation.objects.filter(estate=yiwu).count()
    page = login("yanshuji").post(f"/estates/{yiwu.pk}/reviews/", {
        "action": "evaluation", "company_id": company.pk, "title": "评议", "kind": "ordinary", "scale": "levels",
        "period_start": "2026-01-01", "period_end": "2026-06-30", "closes_at": "2099-01-01T18:00",
        "items": "保洁 三十", "owners_weight": "60"}, follow=True)
    assert "每行写一个评议项目和权重" in page.content.decode()
    assert Evaluation.objects.filter(estate=yiwu).count() == before
    page = login("yanshuji").post(f"/estates/{yiwu.pk}/reviews/", {
        "action": "complaints", "company_id": company.pk, "held_on": "2026-01-05", "minutes": "投诉集中",
        "commitments": "清理楼道杂物 5"}, follow=True)
    assert "每行写一项整改承诺和工作日" in page.content.decode()
    assert not Interview.objects.filter(estate=yiwu).exists()
