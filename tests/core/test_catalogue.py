"""The English catalogue says what the Chinese says: no fuzzy guess is shown, nothing is missing or
obsolete, and two different Chinese strings share one English translation only where that is meant
(a synonym, a shorter label of the same thing) — a stale reuse such as 电梯 → "Phone" shows up here."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

CATALOGUE = Path(__file__).resolve().parents[2] / "gongzhi/locale/en/LC_MESSAGES/django.po"

# English (lower case) → the Chinese strings meant to share it. Add a line only for a true synonym.
INTENDED = {
    '': {'条', '项'},
    'activities': {'文体活动', '活动'},
    'amount (yuan)': {'涉及金额（元）', '金额（元）'},
    'approvals': {'审批', '审批单'},
    'approved': {'已批准', '已通过'},
    'awaiting check': {'待复核', '等待复核'},
    'booked': {'已预约', '预约成功'},
    'buildings': {'楼栋', '范围（楼栋）'},
    'cancelled': {'已取消', '已撤销'},
    'channel': {'来源渠道', '渠道'},
    'choose': {'请选择', '选定'},
    'closed': {'已关闭', '已结束'},
    'closed at': {'关闭时间', '结束时间'},
    'comment': {'签署意见', '评价'},
    'confirm the minutes': {'确认会议纪要', '确认纪要'},
    'consultation': {'征求意见', '征求意见事项'},
    'consultations and conventions': {'征求意见与公约', '征求意见与居民公约'},
    'create': {'建立', '新建'},
    'date': {'交易日期', '日期'},
    'deadline': {'整改期限', '时限'},
    'decided at': {'决定时间', '处理时间'},
    'decided by': {'处理人', '审批人'},
    'decision': {'决定', '决定内容', '意见'},
    'department': {'职能部门', '部门'},
    'done': {'完成', '已完成'},
    'duties done': {'履职', '履职情况'},
    'effective from': {'起始执行', '起始执行日期'},
    'emergency': {'应急情形', '紧急'},
    'end': {'终止', '结束', '结束日期'},
    'entered by': {'代为登记人', '录入人'},
    'entrance': {'单元', '单元号'},
    'from': {'从', '启用', '起始日期'},
    'greenery': {'绿化', '绿化养护'},
    'in force': {'在期', '现行'},
    'in progress': {'办理中', '在办', '进行中'},
    'kind': {'类别', '类型'},
    'made at': {'生成于', '生成时间'},
    'member': {'委员', '成员'},
    'minutes confirmed': {'已确认纪要', '纪要已确认'},
    'month': {'月', '月份'},
    'name': {'名称', '姓名', '姓名/名称'},
    'no bills': {'暂无账单', '没有账单'},
    'online': {'线上', '网上投票', '网上提交'},
    'open an accountability case': {'问责立案', '立案问责'},
    'open': {'开放', '未处理', '追责中'},
    'open for comments': {'已开始征求意见', '开始征求意见', '征求意见中'},
    'order': {'点单', '顺序'},
    'outcome': {'办理结果', '处理结果', '结果'},
    'owner': {'业主', '业主本人'},
    "owners' committee": {'业主委员会', '业委会'},
    'paid in full': {'已结清', '已缴清'},
    'parking': {'停车收益', '停车管理'},
    'payment method': {'收款方式', '缴费方式'},
    'pending': {'审批中', '待审', '待确认'},
    'phone': {'电话', '联系电话'},
    'procedure': {'程序', '议事程序'},
    'property service company': {'物业企业', '物业服务企业'},
    'raised at': {'发起时间', '提出时间'},
    'raised by': {'发起人', '提出人'},
    'reason': {'原因', '理由'},
    'receipt number': {'收据号', '收据编号'},
    'recipient': {'接收人', '收件人'},
    'record a mediation': {'登记矛盾纠纷调解', '登记调解'},
    'recorded by': {'登记人', '记录人'},
    'refuse': {'不批准', '拒绝接收'},
    'register': {'提交报到', '登记'},
    'register a space': {'登记场地', '登记活动场地'},
    'reopened': {'被退回重办', '重新办理'},
    'report a problem': {'反映问题', '我要反映问题'},
    "residents' request": {'居民诉求', '诉求'},
    'same period last year': {'上年同期', '去年同期'},
    'scope': {'授权范围', '范围'},
    'set up': {'成立', '设立'},
    'set up on': {'设立日期', '设立时间'},
    'setup': {'设置', '设置 / Setup'},
    'signed': {'已签', '签订'},
    'size': {'大小', '规模'},
    'start': {'开始', '开始日期'},
    'subject': {'事由', '对象'},
    'submit': {'提交', '提交意见'},
    'term end': {'任期结束', '本届任期结束'},
    'term start': {'任期开始', '本届任期开始'},
    'text': {'条文', '正文'},
    'this notice corrects:': {'本公示更正', '本公示更正了：'},
    'title': {'会议名称', '公约名称', '标题'},
    'transfer': {'办理过户', '转账'},
    'unit': {'单位', '房号'},
    'units': {'户', '房屋'},
    'until': {'公示至', '截止日期', '终止日期'},
    'username': {'用户名', '登录名'},
    'verify': {'核验', '验证'},
    'views': {'浏览', '浏览次数'},
    'volunteer team': {'志愿服务队', '服务队'},
    'vote': {'投票', '表决'},
    'yuan/m²/month': {'元/m²/月', '元/平方米/月'},
}


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(CATALOGUE))


def test_no_entry_is_fuzzy_obsolete_or_untranslated(catalogue):
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert [e.msgid for e in catalogue.obsolete_entries()] == []
    assert [e.msgid for e in catalogue.untranslated_entries()] == []


def test_placeholders_survive_translation(catalogue):
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w*\}|%[sd]")
    broken = [e.msgid for e in catalogue.translated_entries()
              if sorted(placeholder.findall(e.msgid)) != sorted(placeholder.findall(e.msgstr))]
    assert broken == []


def test_different_chinese_shares_an_english_translation_only_where_meant(catalogue):
    shared = {}
    for entry in catalogue.translated_entries():
        shared.setdefault(entry.msgstr.strip().lower(), set()).add(entry.msgid)
    unexpected = {english: chinese for english, chinese in shared.items()
                  if len(chinese) > 1 and not chinese <= INTENDED.get(english, set())}
    assert unexpected == {}


def test_every_translatable_string_in_the_source_has_an_english_entry(tmp_path, catalogue):
    """A string marked for translation but missing from the catalogue shows in Chinese to an English
    reader, and none of the tests above would see it: extract the source's strings afresh and compare."""
    source = CATALOGUE.parents[3]
    shutil.copytree(source, tmp_path / "gongzhi", ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo"))
    admin = Path(sys.executable).parent / "django-admin"
    subprocess.run([str(admin), "makemessages", "-l", "en", "--no-obsolete"], cwd=tmp_path / "gongzhi",
                   check=True, capture_output=True)
    extracted = polib.pofile(str(tmp_path / "gongzhi/locale/en/LC_MESSAGES/django.po"))
    known = {(e.msgctxt, e.msgid) for e in catalogue}
    missing = sorted(e.msgid for e in extracted if (e.msgctxt, e.msgid) not in known)
    assert missing == [], "run makemessages -l en in gongzhi/ and translate the new entries"
