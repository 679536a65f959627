"""A seal use names the rule it follows (issue 21, item 6): when the use is asked for, the 印章管理制度 in force
that day for the estate (the rules library, through core.registry) is recorded on it and shown — "依据：《…》第N版
（施行日期）" with a link — on the seal page and in the API. A later version governs later uses only: a use keeps
the version it was asked under. Without a rule in force nothing is named."""

import datetime

import pytest

from gongzhi.core import registry
from gongzhi.finance.models import SealUse
from gongzhi.finance.services import seals as seal_svc
from gongzhi.grid import services as grid
from gongzhi.grid.models import RuleDocument
from tests.helpers import PACIFIC, estate

DAY = datetime.timedelta(days=1)


def seal_rules() -> RuleDocument:
    return RuleDocument.objects.get(estate__name=PACIFIC, kind="seals")


def committee_seal():
    return estate(PACIFIC).seals.get(kind="committee")


def label(doc, version) -> str:
    return f"《{doc.title}》第{version.number}版（{version.in_force_from.isoformat()}施行）"


def test_the_demo_seal_rules_are_in_force_and_a_use_names_that_version(persona, clock, login):
    doc = seal_rules()
    first = doc.versions.get(number=1)
    assert first.in_force_from == clock.today - 10 * DAY
    [use] = seal_svc.seal_use_request(persona("weiyuan"), seal_id=committee_seal().pk, document="物业服务合同续签",
                                      purpose="续聘三年")
    use.refresh_from_db()
    assert use.rule_version_id == first.pk
    assert use.rule_label == label(doc, first) == f"《太平洋花园印章管理制度》第1版（{first.in_force_from}施行）"
    assert use.rule_url == f"/rules/{doc.pk}/?on={first.in_force_from}"
    client = login("zhaozhuren")
    page = client.get(f"/finance/estates/{estate(PACIFIC).pk}/seals/").content.decode()
    assert f'依据：<a href="{use.rule_url}">{use.rule_label}</a>' in page  # on the use
    assert 'data-testid="seal-rule"' in page  # and what a new use would follow
    api = client.get(f"/api/v1/seal-uses/{use.pk}").json()
    assert (api["rule_version_id"], api["rule_label"], api["rule_url"]) == (first.pk, use.rule_label, use.rule_url)
    assert client.get(use.rule_url).status_code == 200  # the link opens the version that was in force


def test_a_newer_version_governs_new_uses_and_the_old_use_keeps_its_version(persona, clock):
    doc = seal_rules()
    first = doc.versions.get(number=1)
    [before] = seal_svc.seal_use_request(persona("weiyuan"), seal_id=committee_seal().pk, document="公示盖章",
                                         purpose="公示")
    second = grid.rule_version_propose(persona("zhaozhuren"), rule_document_id=doc.pk,
                                       text="第1条 用印须经三人签字。", change_note="增加监督员签字")
    second = grid.rule_version_adopt(persona("shequ"), rule_version_id=second.pk, adopted_by="community",
                                     in_force_from=clock.today + 3 * DAY)
    # adopted but not yet in force: the last day before it still follows the first version
    clock.set(clock.now + 2 * DAY)
    [eve] = seal_svc.seal_use_request(persona("weiyuan"), seal_id=committee_seal().pk, document="合同", purpose="x")
    assert SealUse.objects.get(pk=eve.pk).rule_version_id == first.pk
    clock.set(clock.now + DAY)  # its first day in force
    uses = seal_svc.seal_use_request(persona("weiyuan"), seal_id=committee_seal().pk, document="电梯更换合同",
                                     purpose="三重一大", both=True)
    assert len(uses) == 2  # 双章: each form names the rule
    for use in SealUse.objects.filter(pk__in=[u.pk for u in uses]):
        assert use.rule_version_id == second.pk and use.rule_label == label(doc, second)
    before.refresh_from_db()
    assert before.rule_version_id == first.pk and before.rule_label == label(doc, first)


def test_without_a_rule_in_force_a_use_names_none(persona, clock):
    doc = seal_rules()
    clock.set(clock.now - 11 * DAY)  # the day before the seal rules came into force
    assert registry.rule_in_force("seals", estate(PACIFIC), clock.today) is None
    [use] = seal_svc.seal_use_request(persona("weiyuan"), seal_id=committee_seal().pk, document="合同", purpose="x")
    use.refresh_from_db()
    assert use.rule_version_id is None and use.rule_label == "" and use.rule_url == ""
    assert doc.versions.get(number=1).in_force_from == clock.today + DAY


@pytest.mark.parametrize("who", ["lijing", "zhangjingli"])
def test_a_use_and_its_rule_are_not_shown_outside_the_estate(persona, login, who):
    [use] = seal_svc.seal_use_request(persona("weiyuan"), seal_id=committee_seal().pk, document="合同", purpose="x")
    response = login(who).get(f"/api/v1/seal-uses/{use.pk}")
    assert response.status_code in (403, 404)
    assert "印章管理制度" not in response.content.decode()
