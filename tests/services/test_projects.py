"""红色物业项目: opened by the community party organisation; 电梯集资 shares by floor adding up to the
budget; money pledged for one's own household and paid into the estate's journal (its common account,
never a person's); labour; milestones and the close published in the log; disputes settled before the
close; a pledge after the close refused; the permission grid and the API twins."""

import datetime
from decimal import Decimal

import pytest

from gongzhi.core import clock as source
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.finance import selectors as finance
from gongzhi.finance.models import Entry
from gongzhi.notices.models import Notice
from gongzhi.places.models import Building, Unit
from gongzhi.services import selectors, services
from gongzhi.services.models import Pledge, PledgePayment, Project
from gongzhi.services.services import projects as pr
from gongzhi.votes.services import consultations as votes
from tests.helpers import PACIFIC, estate
from tests.services.helpers import zh

JSON = "application/json"


def building3():
    return Building.objects.get(estate__name=PACIFIC, code="3")


def lift(persona, who="yanshuji", budget="300000"):
    return services.project_open(persona(who), estate_id=estate(PACIFIC).pk, title="3号楼二期加装电梯", kind="lift",
                                 budget=budget, building_id=building3().pk, needs="老人上下楼难")


OPEN_GRID = {"yanshuji": None, "shequ": None, "zhaozhuren": PermissionDenied, "chen": PermissionDenied,
             "wangayi": NotFound, "lijing": NotFound}


@pytest.mark.parametrize("who", list(OPEN_GRID))
def test_who_opens_a_project(persona, world, who):
    if OPEN_GRID[who] is None:
        project = lift(persona, who)
        assert Notice.objects.filter(title__startswith="红色物业项目·3号楼二期加装电梯：项目成立").exists()
        assert project.opened_by.username == who
    else:
        with pytest.raises(OPEN_GRID[who]):
            lift(persona, who)
        assert not Project.objects.filter(title="3号楼二期加装电梯").exists()


def test_lift_shares_by_floor_add_up_to_the_budget(persona, world):
    project = lift(persona, budget="300000.01")
    shares = {s.unit.code: s.amount for s in project.shares.select_related("unit")}
    assert len(shares) == Unit.objects.filter(building=building3()).count()
    assert sum(shares.values()) == 30000001  # to the fen
    by_floor = {}
    for code, amount in shares.items():
        by_floor.setdefault(pr.floor_of(Unit(code=code)), set()).add(amount)
    assert by_floor[1] == {0}  # the ground floor pays nothing
    floors = sorted(by_floor)
    assert all(min(by_floor[b]) > max(by_floor[a]) for a, b in zip(floors[1:], floors[2:], strict=False))
    with pytest.raises(InvalidInput, match=zh(pr.LIFT_NEEDS_BUILDING)):
        services.project_open(persona("yanshuji"), estate_id=estate(PACIFIC).pk, title="x", kind="lift", budget="1")


def test_lift_shares_split_the_odd_fen_to_the_top():
    units = [Unit(pk=i, code=code) for i, code in enumerate(["1-1-101", "1-1-201", "1-1-301", "1-1-302"], start=1)]
    assert pr.lift_shares(units, 10) == {1: 0, 2: 2, 3: 4, 4: 4}
    with pytest.raises(InvalidInput):
        pr.lift_shares(units[:1], 10)


def test_money_pledged_for_ones_home_is_paid_into_the_estates_journal(persona, world):
    project = lift(persona)
    chen_unit = Unit.objects.get(estate__name=PACIFIC, code="3-1-201")
    with pytest.raises(InvalidInput, match=zh(pr.NOT_YOUR_UNIT)):  # 李 owns no flat in building 3 … nor this one
        services.pledge_create(persona("lixiansheng"), project_id=project.pk, kind="money", unit_id=chen_unit.pk,
                               amount="100")
    li_unit = Unit.objects.get(estate__name=PACIFIC, code="2-1-301")
    with pytest.raises(InvalidInput, match="2-1-301不在本项目的分摊范围内"):
        services.pledge_create(persona("lixiansheng"), project_id=project.pk, kind="money", unit_id=li_unit.pk,
                               amount="100")
    pledge = services.pledge_create(persona("chen"), project_id=project.pk, kind="money", unit_id=chen_unit.pk,
                                    amount="5000")
    balance = finance.balance(estate(PACIFIC))
    with pytest.raises(PermissionDenied):
        services.pledge_payment_record(persona("chen"), pledge_id=pledge.pk, amount="5000", date=source.today())
    with pytest.raises(InvalidInput, match="到账金额超过认捐余额 5,000.00 元"):
        services.pledge_payment_record(persona("yanshuji"), pledge_id=pledge.pk, amount="5000.01",
                                       date=source.today())
    payment = services.pledge_payment_record(persona("yanshuji"), pledge_id=pledge.pk, amount="3000",
                                             date=source.today())
    assert finance.balance(estate(PACIFIC)) == balance + 300000
    lines = dict(Entry.objects.filter(transaction=payment.transaction).values_list("account__code", "debit"))
    assert set(lines) == {"bank", "income:other"} and payment.transaction.estate == estate(PACIFIC)
    assert "3-1-201" in payment.transaction.memo and payment.transaction.counterparty == "3-1-201"
    services.pledge_payment_record(persona("yanshuji"), pledge_id=pledge.pk, amount="2000", date=source.today())
    with pytest.raises(WrongState, match=zh(pr.PAID_IN_FULL)):
        services.pledge_payment_record(persona("yanshuji"), pledge_id=pledge.pk, amount="1", date=source.today())
    money = selectors.project_money(project)
    assert (money.pledged, money.received, money.households) == (500000, 500000, 1)


def test_labour_milestones_disputes_and_the_close(persona, world):
    project = lift(persona)
    labour = services.pledge_create(persona("weiyuan"), project_id=project.pk, kind="labour", person_days="2.5",
                                    skill="水电")
    assert labour.person_days == Decimal("2.5")
    with pytest.raises(InvalidInput, match=zh(pr.DAYS_RANGE)):
        services.pledge_create(persona("weiyuan"), project_id=project.pk, kind="labour", person_days="0.4", skill="x")
    with pytest.raises(PermissionDenied):
        services.milestone_record(persona("chen"), project_id=project.pk, title="开工", progress=10)
    services.milestone_record(persona("yanshuji"), project_id=project.pk, title="开工", progress=40)
    with pytest.raises(InvalidInput, match="不能低于上次的 40%"):
        services.milestone_record(persona("yanshuji"), project_id=project.pk, title="返工", progress=39)
    assert Notice.objects.filter(title="红色物业项目·3号楼二期加装电梯：进度 40%").exists()
    dispute = services.dispute_raise(persona("lixiansheng"), project_id=project.pk, text="一楼采光受影响")
    with pytest.raises(WrongState, match="还有 1 项异议未调解"):
        services.project_close(persona("yanshuji"), project_id=project.pk, final_account="决算")
    with pytest.raises(PermissionDenied):
        services.dispute_settle(persona("lixiansheng"), dispute_id=dispute.pk, resolution="x")
    services.dispute_settle(persona("yanshuji"), dispute_id=dispute.pk, resolution="调整井道位置，一楼补偿")
    closed = services.project_close(persona("yanshuji"), project_id=project.pk, final_account="总投入30万元")
    assert closed.closed_at is not None
    assert Notice.objects.filter(title="红色物业项目·3号楼二期加装电梯：项目结项").exists()


def test_a_pledge_after_the_close_is_refused_and_nothing_written(persona, world):
    project = lift(persona)
    chen_unit = Unit.objects.get(estate__name=PACIFIC, code="3-1-201")
    pledge = services.pledge_create(persona("chen"), project_id=project.pk, kind="money", unit_id=chen_unit.pk,
                                    amount="100")
    services.project_close(persona("yanshuji"), project_id=project.pk, final_account="取消")
    count = Pledge.objects.count()
    with pytest.raises(WrongState, match="已结项，不能再认捐"):
        services.pledge_create(persona("chen"), project_id=project.pk, kind="money", unit_id=chen_unit.pk,
                               amount="100")
    with pytest.raises(WrongState, match="已结项"):
        services.pledge_payment_record(persona("yanshuji"), pledge_id=pledge.pk, amount="100",
                                       date=source.today())
    assert Pledge.objects.count() == count and not PledgePayment.objects.filter(pledge=pledge).exists()


def test_the_demo_lift_project_is_in_progress_with_money_in_the_journal(world):
    project = Project.objects.get(title="3号楼加装电梯")
    money = selectors.project_money(project)
    assert project.closed_at is None and money.received > 0 and project.milestones.count() == 2
    assert sum(project.shares.values_list("amount", flat=True)) == project.budget


# --- pages and API ------------------------------------------------------------------------------------
PAGE_GRID = {"yanshuji": (200, True, True), "chen": (200, False, False), "liukezhang": (200, False, False),
             "wangayi": (404, False, False)}


@pytest.mark.parametrize("who", list(PAGE_GRID))
def test_the_project_page_shows_only_the_actions_of_its_user(login, persona, world, who):
    project = Project.objects.get(title="3号楼加装电梯")
    status, steers, books = PAGE_GRID[who]
    response = login(who).get(f"/projects/{project.pk}/")
    assert response.status_code == status
    html = response.content.decode()
    assert ('data-api="milestone_record"' in html) == steers
    assert ('data-api="pledge_payment_record"' in html) == books
    assert ('data-api="pledge_create"' in html) == (who in ("yanshuji", "chen"))
    assert login(who).post(f"/projects/{project.pk}/", {"action": "milestone", "ms-title": "x",
                                                        "ms-progress": "50"}).status_code in (
        (302,) if steers else (403, 404))


def test_pledge_and_payment_by_api(login, persona, world):
    project = lift(persona)
    chen_unit = Unit.objects.get(estate__name=PACIFIC, code="3-1-201")
    body = {"kind": "money", "unit_id": chen_unit.pk, "amount": "800.50"}
    assert login("wangayi").post(f"/api/v1/projects/{project.pk}/pledges", body, content_type=JSON).status_code == 404
    made = login("chen").post(f"/api/v1/projects/{project.pk}/pledges", body, content_type=JSON)
    assert made.status_code == 201 and made.json()["amount"] == "800.50"
    pay = {"amount": "800.50", "date": source.today().isoformat()}
    url = f"/api/v1/pledges/{made.json()['id']}/payments"
    assert login("chen").post(url, pay, content_type=JSON).status_code == 403
    assert login("yanshuji").post(url, pay, content_type=JSON).status_code == 201
    assert login("chen").get(f"/api/v1/projects/{project.pk}").json()["received"] == "800.50"
    closed = login("yanshuji").post(f"/api/v1/projects/{project.pk}/close", {"final_account": "完工"},
                                    content_type=JSON)
    assert closed.status_code == 200
    again = login("chen").post(f"/api/v1/projects/{project.pk}/pledges", body, content_type=JSON)
    assert again.status_code == 409 and "已结项" in again.json()["detail"]


# --- owners' opinions through the consultation --------------------------------------------------------
def test_owners_asked_through_the_consultation_and_its_result_on_the_project(login, persona, clock, world):
    start = source.today()
    clock.set(source.at(start, datetime.time(10)))
    project = lift(persona)
    later = start + source.ONE_DAY * 7
    with pytest.raises(PermissionDenied):
        services.project_consult(persona("zhaozhuren"), project_id=project.pk, body="方案", closes_on=later)
    with pytest.raises(InvalidInput, match="截止日期须在今天之后"):
        services.project_consult(persona("yanshuji"), project_id=project.pk, body="方案", closes_on=start)
    with pytest.raises(InvalidInput, match=zh(pr.CONSULT_BODY_REQUIRED)):
        services.project_consult(persona("yanshuji"), project_id=project.pk, body=" ", closes_on=later)
    assert Project.objects.get(pk=project.pk).consultation is None
    asked = services.project_consult(persona("yanshuji"), project_id=project.pk, body="设计方案", closes_on=later)
    consultation = asked.consultation
    assert list(consultation.buildings.all()) == [building3()]
    with pytest.raises(WrongState, match=zh(pr.CONSULT_RUNNING)):
        services.project_consult(persona("yanshuji"), project_id=project.pk, body="再问", closes_on=later)
    chen_unit = Unit.objects.get(estate__name=PACIFIC, code="3-1-201")
    votes.answer_submit(persona("chen"), consultation_id=consultation.pk, unit_id=chen_unit.pk, opinion="agree")
    result = selectors.project_consultation(Project.objects.get(pk=project.pk))
    households = Unit.objects.filter(building=building3()).count()
    assert result["open"] and (result["summary"]["agree"], result["summary"]["households"]) == (1, households)
    page = login("lixiansheng").get(f"/projects/{project.pk}/").content.decode()
    assert f"答复 1/{households} 户" in page and "同意 1，不同意 0" in page
    api = login("chen").get(f"/api/v1/projects/{project.pk}/consultation").json()
    assert (api["consultation_id"], api["agree"], api["open"]) == (consultation.pk, 1, True)
    clock.set(consultation.closes_at)
    votes.consultation_close(persona("yanshuji"), consultation_id=consultation.pk)
    assert selectors.project_consultation(Project.objects.get(pk=project.pk))["open"] is False


def test_the_consultation_form_and_its_api_twin(login, persona, world):
    project = lift(persona)
    later = (source.today() + source.ONE_DAY * 5).isoformat()
    assert 'data-api="project_consult"' in login("yanshuji").get(f"/projects/{project.pk}/").content.decode()
    assert 'data-api="project_consult"' not in login("chen").get(f"/projects/{project.pk}/").content.decode()
    assert login("chen").post(f"/api/v1/projects/{project.pk}/consultation", {"body": "x", "closes_on": later},
                              content_type=JSON).status_code == 403
    made = login("yanshuji").post(f"/projects/{project.pk}/", {"action": "consult", "consult-body": "方案",
                                                               "consult-closes_on": later})
    assert made.status_code == 302 and Project.objects.get(pk=project.pk).consultation is not None
    again = login("yanshuji").post(f"/api/v1/projects/{project.pk}/consultation", {"body": "x", "closes_on": later},
                                   content_type=JSON)
    assert again.status_code == 409


def test_the_demo_lift_project_asked_its_owners(world):
    project = Project.objects.get(title="3号楼加装电梯")
    result = selectors.project_consultation(project)
    assert result is not None and not result["open"] and result["summary"]["agree"] >= 1
