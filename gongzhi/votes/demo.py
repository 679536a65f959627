"""Votes' slice of the demo: An open vote announced 16 days ago with ballots coming in, an election taking nominations,
    a consultation with answers, and a convention open for comments."""

import datetime

from gongzhi.core import clock
from gongzhi.people.models import Ownership
from gongzhi.votes import services as votes
from gongzhi.votes.models import RollEntry


def load(w) -> None:
    """`w` is the demo world (gongzhi.demo): the places and personas loaded before this slice."""
    _load(w.zhao_user, w.member_user, w.chen_user, w.pacific)


def _load(chair, member, building_head, pacific) -> None:
    """An open vote announced 16 days ago with ballots coming in, an election taking nominations,
    a consultation with answers, and a convention open for comments."""

    now = clock.now().replace(microsecond=0)
    announced = now - datetime.timedelta(days=16)
    with clock.frozen(announced):  # the notice period has passed
        vote = votes.vote_create(chair, estate_id=pacific.pk, title="续聘太平洋物业服务有限公司", item=4,
                                 description="合同期满，业主委员会提议续聘三年，物业费标准不变。",
                                 opens_at=announced + datetime.timedelta(days=15),
                                 closes_at=now + datetime.timedelta(days=10))
        votes.vote_announce(chair, vote_id=vote.pk)
    entries = list(RollEntry.objects.filter(vote=vote).exclude(persons__user__username="lixiansheng")
                   .prefetch_related("persons").order_by("unit__code"))
    seen = set()
    for i, entry in enumerate(entries[:120]):
        if entry.owner_key in seen or entry.owner_key == "DEVELOPER":
            continue
        seen.add(entry.owner_key)
        ballot = votes.ballot_enter(building_head if i % 2 else chair, vote_id=vote.pk, unit_id=entry.unit_id,
                                    voter_id=entry.persons.first().pk, choice="yes" if i % 5 else "no",
                                    channel="door" if i % 2 else "paper")
        if i % 3:  # most sheets already checked by a second person; the rest wait in the queue
            votes.ballot_check(member if ballot.entered_by_id == chair.pk else chair, ballot_id=ballot.pk,
                               choice=ballot.choice)

    election = votes.vote_create(chair, estate_id=pacific.pk, title="第三届业主委员会选举", item=3, seats=7,
                                 opens_at=now + datetime.timedelta(days=20), closes_at=now + datetime.timedelta(days=30))
    owners = list(Ownership.objects.filter(unit__estate=pacific, until__isnull=True, person__kind="natural")
                  .select_related("person").order_by("unit__code")[10:60:6])
    for o in owners:
        c = votes.candidate_nominate(chair, vote_id=election.pk, person_id=o.person_id,
                                     statement="热心公益，愿为业主服务。")
        votes.candidate_review(chair, candidate_id=c.pk, checks=dict.fromkeys(("dandang", "dangxing", "suzhi",
                                                                                "gongxin"), True))

    plan = votes.consultation_create(
        chair, estate_id=pacific.pk, title="老旧小区改造方案（加装电梯、管网改造）",
        body="拟为 1-6 号楼加装电梯并改造雨污管网，资金由政府补助和业主分摊。请每户提出意见。",
        opens_at=now - datetime.timedelta(days=3), closes_at=now + datetime.timedelta(days=11))
    opinions = ["agree", "agree", "conditional", "disagree", "agree"]
    for i, entry in enumerate(entries[:60:2]):
        opinion = opinions[i % len(opinions)]
        votes.answer_submit(building_head if i % 2 else chair, consultation_id=plan.pk, unit_id=entry.unit_id,
                                    opinion=opinion, channel="door",
                                    comment="低层住户希望减免分摊" if opinion == "conditional" else "")

    convention = votes.convention_create(
        chair, estate_id=pacific.pk, title="太平洋花园居民公约",
        articles=["爱护公共设施，不占用消防通道。", "不高空抛物，不乱扔垃圾。", "电动车不进楼道、不飞线充电。",
                  "文明养犬，出门牵绳，及时清理。"])
    votes.convention_open_comments(chair, convention_id=convention.pk)
