"""Notices' slice of the demo: Published notices, each entered in the transparency log: a public financial statement and
    its correction, an estate-only resolution, a community announcement, a pinned lift notice."""

import datetime

from gongzhi.core import clock
from gongzhi.notices import services as notices


def load(w) -> None:
    """`w` is the demo world (gongzhi.demo): the places and personas loaded before this slice."""
    _load(w.zhao_user, w.yan, w.zhang, w.pacific, w.yiwu, w.mingfu)


def _load(chair, secretary, property_staff, pacific, yiwu, mingfu) -> None:
    """Published notices, each entered in the transparency log: a public financial statement and
    its correction, an estate-only resolution, a community announcement, a pinned lift notice."""
    today = clock.today()
    statement = [["项目", "收入（元）", "支出（元）", "说明"],
                 ["电梯广告收入", "18,600.00", "", "7-9 月"],
                 ["停车场地租金", "42,300.00", "", "地面车位 141 个"],
                 ["路灯维修", "", "3,860.00", "审批单已完成三方签署"],
                 ["绿化补植", "", "6,200.00", ""],
                 ["合计", "60,900.00", "10,060.00", "结余 50,840.00"]]
    first = notices.notice_publish(
        chair, estate_id=pacific.pk, kind="financial", audience="public",
        title="太平洋花园2026年第三季度公共收益收支公示", issuer="太平洋花园业主委员会",
        body="根据《民法典》第二百八十二条，现将本小区第三季度公共收益收支情况公示如下。\n"
             "如有疑问，请于公示期内向业主委员会或明福社区反映。",
        table=statement[:4] + [["合计", "60,900.00", "3,860.00", "结余 57,040.00"]],
        expires_on=today + datetime.timedelta(days=14))
    notices.notice_publish(
        chair, estate_id=pacific.pk, kind="financial", audience="public", supersedes_id=first.pk,
        title="【更正】太平洋花园2026年第三季度公共收益收支公示", issuer="太平洋花园业主委员会",
        body="原公示漏列绿化补植支出 6,200 元，现更正如下，以本公示为准。", table=statement,
        expires_on=today + datetime.timedelta(days=14), pinned=True)
    notices.notice_publish(
        chair, estate_id=pacific.pk, kind="resolution", audience="estate",
        title="关于续聘太平洋物业服务有限公司的业主大会决议公示", issuer="太平洋花园业主大会",
        body="经业主共同决定，续聘太平洋物业服务有限公司，服务期三年。\n"
             "参与表决的专有部分面积和人数均超过三分之二，同意票超过参与表决者的二分之一。",
        expires_on=today + datetime.timedelta(days=7))
    notices.notice_publish(
        secretary, community_id=mingfu.pk, kind="announcement", audience="public",
        title="明福社区红色物业联席会议公告", issuer="明福社区党委",
        body="本月 25 日下午在红领工作站召开联席会议，议题：电动车集中充电棚建设。欢迎居民代表旁听。")
    notices.notice_publish(
        property_staff, estate_id=yiwu.pk, kind="announcement", audience="estate", pinned=True,
        title="义乌城小区电梯年度检验公示", issuer="义乌城物业服务中心",
        body="全部 34 部电梯已通过年度检验，检验报告在物业服务中心备查。",
        expires_on=today + datetime.timedelta(days=30))
