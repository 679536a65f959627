"""The issue's journeys in a real browser at a phone's 375 × 740, from the persona's home page, moving by
tapping: a resident books the 红色议事厅 for Saturday morning and a second resident is told it is taken;
王阿姨 signs up for a health check from her home page and checks in by the organiser's QR code; an
adviser writes an opinion on a matter from the home page card."""

import datetime
import os

import pytest
import segno
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from gongzhi.core import clock as source
from gongzhi.services import services
from gongzhi.services.models import AdviceOpinion, AdviceRequest, Booking, Signup
from tests.helpers import PACIFIC, YIWU, estate
from tests.portal.test_journeys import log_in, no_sideways_scroll
from tests.services.helpers import at_ten, next_saturday, slot, space

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the ORM


def user(username):
    return get_user_model().objects.get(username=username)


def book_on_the_page(phone, site, username, saturday):
    log_in(phone, site, username)
    phone.get_by_test_id("card-activities").get_by_test_id(f"spaces-{estate(PACIFIC).pk}").click()
    phone.get_by_test_id("spaces").get_by_role("link", name="红色议事厅").click()
    form = phone.get_by_test_id("booking-form")
    form.locator("input[name=day]").fill(saturday.isoformat())
    form.locator("input[name=start]").fill("09:00")
    form.locator("input[name=end]").fill("11:00")
    form.locator("input[name=purpose]").fill("3号楼楼栋议事会")
    with phone.expect_navigation():  # the answer is a new page: measure that one, not the one being left
        form.get_by_role("button", name="预约").click()
    no_sideways_scroll(phone)


def test_a_resident_books_the_red_hall_for_saturday_morning_and_the_next_is_told_it_is_taken(clock, site, phone):
    saturday = next_saturday(at_ten(clock))
    book_on_the_page(phone, site, "lixiansheng", saturday)
    expect(phone.locator("#messages")).to_contain_text("预约成功：红色议事厅")
    expect(phone.get_by_test_id(f"day-{saturday.isoformat()}")).to_contain_text("09:00–11:00")
    booking = Booking.objects.get(space=space(), booked_by=user("lixiansheng"))
    assert booking.status == "pending" and booking.starts_at == slot(saturday, "09:00", "11:00")["starts_at"]

    phone.context.clear_cookies()
    book_on_the_page(phone, site, "chen", saturday)
    expect(phone.locator("#messages")).to_contain_text("“红色议事厅”")
    expect(phone.locator("#messages")).to_contain_text("09:00–11:00 已被预约，请选择其他时间")
    assert not Booking.objects.filter(space=space(), booked_by=user("chen")).exists()


def test_wang_ayi_signs_up_for_a_health_check_from_her_home_page_and_checks_in_by_qr(clock, site, phone, browser):
    today = at_ten(clock)
    day = today + datetime.timedelta(days=1)
    activity = services.activity_create(user("yanshuji"), estate_id=estate(YIWU).pk, title="健康义诊·测血压",
                                        kind="health", capacity=20, place="5号楼前广场",
                                        **slot(day, "09:00", "11:00"))
    log_in(phone, site, "wangayi")
    phone.get_by_test_id("card-activities").get_by_role("link", name="健康义诊·测血压").click()
    phone.get_by_test_id("signup").click()
    expect(phone.locator("#messages")).to_contain_text("报名成功：健康义诊·测血压")
    expect(phone.get_by_test_id("my-place")).to_contain_text("您已报名")
    no_sideways_scroll(phone)

    # at the door: the organiser's phone shows the QR code …
    clock.set(activity.starts_at - datetime.timedelta(minutes=10))
    organiser = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
    log_in(organiser, site, "yanshuji")
    organiser.goto(f"{site}/activities/{activity.pk}/")
    organiser.get_by_test_id("show-qr").click()
    address = organiser.get_by_test_id("checkin-link").get_attribute("href")
    shown = organiser.get_by_test_id("qr").get_attribute("src")
    assert shown == segno.make(address, error="m").svg_data_uri(scale=6, border=2)  # the QR carries the address
    organiser.context.close()

    # … and 王阿姨's phone opens the address it carries, while logged in
    phone.goto(address)
    phone.get_by_test_id("checkin").click()
    expect(phone.locator("#messages")).to_contain_text("签到成功：健康义诊·测血压")
    expect(phone.get_by_test_id("my-place")).to_contain_text("已签到")
    signup = Signup.objects.get(activity=activity, user=user("wangayi"))
    assert signup.checked_in_at == source.now() and signup.checked_in_by == user("wangayi")
    no_sideways_scroll(phone)


def test_the_secretary_opens_a_lift_project_an_owner_pledges_and_the_payment_lands_in_the_journal(clock, site, phone):
    from gongzhi.finance import selectors as finance
    from gongzhi.places.models import Building, Unit
    from gongzhi.services.models import Pledge, PledgePayment, Project

    at_ten(clock)
    pacific = estate(PACIFIC)
    building = Building.objects.get(estate=pacific, code="3")
    log_in(phone, site, "yanshuji")
    phone.goto(f"{site}/estates/{pacific.pk}/projects/")
    phone.get_by_text("成立项目").click()
    form = phone.get_by_test_id("project-form")
    form.locator("input[name=project-title]").fill("3号楼电梯集资（二单元）")
    form.locator("select[name=project-kind]").select_option("lift")
    form.locator("input[name=project-budget]").fill("420000")
    form.locator("select[name=project-building]").select_option(str(building.pk))
    form.get_by_role("button", name="成立").click()
    expect(phone.locator("#messages")).to_contain_text("项目已成立")
    project = Project.objects.get(title="3号楼电梯集资（二单元）")
    assert sum(project.shares.values_list("amount", flat=True)) == 42000000
    no_sideways_scroll(phone)

    phone.context.clear_cookies()
    log_in(phone, site, "chen")
    phone.get_by_test_id("card-activities").get_by_role("link", name="红色物业项目").click()
    phone.get_by_test_id("projects").get_by_role("link", name="3号楼电梯集资（二单元）").click()
    phone.get_by_text("我要认捐认劳").click()
    pledge_form = phone.get_by_test_id("pledge-form")
    pledge_form.locator("select[name=pledge-kind]").select_option("money")
    unit = Unit.objects.get(estate=pacific, code="3-1-201")
    pledge_form.locator("select[name=pledge-unit]").select_option(str(unit.pk))
    share = project.shares.get(unit=unit).amount
    pledge_form.locator("input[name=pledge-amount]").fill(f"{share / 100:.2f}")
    pledge_form.get_by_role("button", name="认捐").click()
    expect(phone.locator("#messages")).to_contain_text("已保存")
    pledge = Pledge.objects.get(project=project, unit=unit)
    no_sideways_scroll(phone)

    phone.context.clear_cookies()
    log_in(phone, site, "yanshuji")
    before = finance.balance(pacific)
    phone.goto(f"{site}/projects/{project.pk}/")
    payment = phone.locator("form[data-api=pledge_payment_record]")
    payment.locator("input[name=pay-amount]").fill(f"{share / 100:.2f}")
    payment.get_by_role("button", name="登记到账").click()
    expect(phone.locator("#messages")).to_contain_text("已保存")
    assert PledgePayment.objects.get(pledge=pledge).amount == share
    assert finance.balance(pacific) == before + share  # the estate's journal, never a person's account
    expect(phone.get_by_test_id("project-money")).to_contain_text("到账")


def test_an_adviser_asked_on_a_matter_writes_an_opinion_from_the_home_page(clock, site, phone):
    """The demo asked 太平洋花园's advisers about a matter; 楼栋长 louzhang1 (a doctor on the 顾问组) opens the
    request from his home page card, writes his opinion, and it shows on the matter's page."""
    at_ten(clock)
    asked = AdviceRequest.objects.get(estate__name=PACIFIC)
    log_in(phone, site, "louzhang1")
    phone.get_by_test_id("card-advice").get_by_role("link", name=asked.matter.title).click()
    form = phone.get_by_test_id("opinion-form")
    form.locator("textarea[name=text]").fill("从居民健康角度，建议夜间停车区远离老人活动场地。")
    with phone.expect_navigation():
        form.get_by_role("button", name="提交意见").click()
    no_sideways_scroll(phone)
    expect(phone.get_by_test_id("opinions")).to_contain_text("建议夜间停车区远离老人活动场地")
    assert AdviceOpinion.objects.get(request=asked, adviser__user__username="louzhang1").written_at is not None
    phone.get_by_role("link", name=asked.matter.title).first.click()
    expect(phone.get_by_test_id("matter-advice")).to_contain_text("建议夜间停车区远离老人活动场地")
    no_sideways_scroll(phone)
