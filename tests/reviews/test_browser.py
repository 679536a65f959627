"""The issue's journey in a real browser at a phone's 375 × 740: two owners of 义乌城 evaluate its company
on their phones, the community enters two offline groups, the result publishes in the log, a 约谈 opens
with three 整改 items, the company reports one done with a photo, and the committee (燕书记 chairs 义乌城's
物管会) rejects it, sending it back."""

import datetime
import io
import os

import pytest
from django.contrib.auth import get_user_model
from PIL import Image
from playwright.sync_api import expect

from gongzhi.core import clock as source
from gongzhi.core.roles import Role
from gongzhi.notices.models import Notice
from gongzhi.people import services as people
from gongzhi.people.demo import DEMO_PASSWORD
from gongzhi.places.models import Unit
from gongzhi.reviews.choices import ItemStatus
from gongzhi.reviews.models import Evaluation, Rectification, Response
from tests.helpers import YIWU, estate
from tests.portal.test_journeys import log_in, no_sideways_scroll
from tests.reviews.helpers import ITEMS, company

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM
TITLE = "义乌城物业服务满意度评议（测试）"


def second_owner():
    """An owner of 8-1-605 with a login of his own."""
    unit = Unit.objects.get(estate=estate(YIWU), code="8-1-605")
    person = unit.ownerships.get(until__isnull=True).person
    user = get_user_model().objects.create_user("yezhu605", password=DEMO_PASSWORD, first_name=person.name)
    people.person_link_user(None, person_id=person.pk, user_id=user.pk)
    people.role_assign(None, user_id=user.pk, role=Role.OWNER, anchor_field="unit", anchor_id=unit.pk,
                       valid_from=source.today() - datetime.timedelta(days=1))
    return user


def answer(phone, site, username, levels):
    log_in(phone, site, username)
    phone.get_by_test_id("card-evaluations").get_by_role("link", name=TITLE).click()
    form = phone.get_by_test_id("answer-form")
    for i, level in enumerate(levels):
        form.locator("fieldset").nth(i).get_by_label(level, exact=True).check()
    no_sideways_scroll(phone)
    with phone.expect_navigation():
        form.get_by_role("button", name="提交评议").click()
    expect(phone.locator("#messages")).to_contain_text("感谢您的评议")
    expect(phone.get_by_test_id("answered")).to_contain_text("已评议")
    no_sideways_scroll(phone)
    phone.context.clear_cookies()


def enter_group(page, name, kind, forms, scores):
    page.get_by_text("录入线下评议组").click()
    form = page.get_by_test_id("group-form")
    form.get_by_label("评议组名称").fill(name)
    form.get_by_label("类别").select_option(kind)
    form.get_by_label("纸质问卷份数").fill(str(forms))
    for item, score in zip(ITEMS, scores, strict=True):
        form.get_by_label(f"{item['name']} 平均分（1.0–5.0）").fill(score)
    with page.expect_navigation():
        form.get_by_role("button", name="录入").click()
    expect(page.locator("#messages")).to_contain_text("已录入")


def test_owners_evaluate_the_community_publishes_interviews_and_rejects_a_report(clock, site, phone, browser):
    today = source.today()
    clock.set(source.at(today, datetime.time(10)))
    from gongzhi.reviews import services

    evaluation = services.evaluation_create(
        get_user_model().objects.get(username="yanshuji"), estate_id=estate(YIWU).pk, company_id=company().pk,
        title=TITLE, period_start=today - datetime.timedelta(days=90), period_end=today - datetime.timedelta(days=1),
        closes_at=source.now() + datetime.timedelta(days=7), items=ITEMS, threshold="80")
    second_owner()

    answer(phone, site, "wangayi", ["不满意", "基本满意", "不满意"])
    answer(phone, site, "yezhu605", ["非常不满意", "不满意", "基本满意"])
    assert Response.objects.filter(evaluation=evaluation).count() == 2

    # the community enters the paper forms of two groups (desktop)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(desk, site, "yanshuji")
    desk.goto(f"{site}/evaluations/{evaluation.pk}/")
    expect(desk.get_by_test_id("coverage")).to_contain_text("2 /")
    enter_group(desk, "区住建局", "department", 6, ["3.0", "2.5", "3.5"])
    enter_group(desk, "业主代表", "representatives", 15, ["2.0", "2.5", "2.0"])
    expect(desk.get_by_test_id("groups")).to_contain_text("区住建局")
    expect(desk.get_by_test_id("groups")).to_contain_text("业主代表")

    # after the close the result is computed and published
    clock.set(evaluation.closes_at + datetime.timedelta(hours=1))
    desk.reload()
    with desk.expect_navigation():
        desk.get_by_test_id("publish-form").get_by_role("button").click()
    expect(desk.locator("#messages")).to_contain_text("评议结果已公示")
    evaluation.refresh_from_db()
    expect(desk.get_by_test_id("score")).to_contain_text(f"综合得分 {evaluation.score} 分")
    expect(desk.get_by_test_id("below-line")).to_be_visible()
    assert Notice.objects.filter(kind="evaluation", title=f"评议结果：{TITLE}").exists()

    # 约谈 with three commitments
    desk.get_by_text("约谈该企业").click()
    form = desk.get_by_test_id("interview-form")
    form.get_by_label("约谈纪要").fill("社区约谈物业公司，指出保洁、维修响应差。")
    form.get_by_label("整改承诺（每行一项：事项 | 工作日）").fill(
        "清理楼道杂物 | 3\n维修响应 48 小时内上门 | 10\n补种绿植 | 15")
    with desk.expect_navigation():
        form.get_by_role("button", name="登记约谈").click()
    items = desk.get_by_test_id("items")
    expect(items.locator("li[data-testid^=item-]")).to_have_count(3)
    interview_url = desk.url

    # the company sees the items on its home page and reports the first done, with a photo
    log_in(phone, site, "zhangjingli")
    expect(phone.get_by_test_id("card-rectification")).to_contain_text("清理楼道杂物")
    phone.get_by_test_id("card-rectification").get_by_role("link", name="清理楼道杂物").click()
    phone.get_by_test_id("item-1").get_by_text("报告整改完成").click()
    report = phone.get_by_test_id("report-form-1")
    report.get_by_label("整改情况").fill("已清理全部楼道")
    picture = io.BytesIO()
    Image.new("RGB", (60, 40), "gray").save(picture, "PNG")
    report.get_by_label("照片（最多 6 张）").set_input_files(
        {"name": "done.png", "mimeType": "image/png", "buffer": picture.getvalue()})
    with phone.expect_navigation():
        report.get_by_role("button", name="提交整改报告").click()
    expect(phone.get_by_test_id("item-1").get_by_test_id("item-status")).to_contain_text("待验收")
    expect(phone.get_by_test_id("check-form-1")).to_have_count(0)  # the company may not check its own
    no_sideways_scroll(phone)

    # the committee rejects it: back to the company
    desk.goto(interview_url)
    check = desk.get_by_test_id("check-form-1")
    check.get_by_label("验收意见（不通过时必填）").fill("3号楼楼道仍有杂物")
    with desk.expect_navigation():
        check.get_by_role("button", name="不通过").click()
    expect(desk.get_by_test_id("item-1").get_by_test_id("item-status")).to_contain_text("待整改")
    first = Rectification.objects.get(interview__evaluation=evaluation, number=1)
    assert (first.status, first.sent_back) == (ItemStatus.OPEN, 1)
    assert first.reports.get().photos.count() == 1
    assert Evaluation.objects.get(pk=evaluation.pk).interviews.count() == 1
    desk.context.close()
