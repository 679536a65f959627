"""Consultations (征求意见) and residents' conventions (居民公约): writes and the summaries
organisers read. A consultation asks every household of the group; a convention's articles are
commented on, revised, then adopted by an owners' vote.
"""

import datetime
from collections import Counter, defaultdict

from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.roles import BALLOT_COLLECTOR_ROLES, VOTE_ORGANISER_ROLES
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.notices import services as notices
from gongzhi.people.models import Ownership, Residency
from gongzhi.places.models import Unit
from gongzhi.votes import services as votes
from gongzhi.votes.models import (
    Answer,
    Article,
    ArticleComment,
    Channel,
    Consultation,
    Convention,
    ConventionStatus,
    Opinion,
    Vote,
)
from gongzhi.votes.tally import CONVENTION_ITEMS

TITLE_REQUIRED = "请填写事项 / A title is required"
BODY_REQUIRED = "请填写方案说明 / Describe the plan"
CLOSES_BEFORE_OPENS = votes.CLOSES_BEFORE_OPENS
NOT_OPEN = "现在不在征求意见期内 / This consultation is not open now"
NOT_A_HOUSEHOLD = "您不是该房屋的业主或住户 / You neither own nor live in this unit"
UNIT_NOT_IN_GROUP = "该房屋不在征求意见范围内 / The unit is not in this consultation"
UNKNOWN_OPINION = "请选择同意、不同意或有条件同意 / Choose agree, disagree or agree with conditions"
CONDITIONS_NEEDED = "有条件同意时请写明条件 / Say what the conditions are"
REPLY_REQUIRED = "请填写答复 / Write the reply"
ALREADY_CLOSED = "已经结束 / Already closed"
NOT_YET_CLOSED = "截止时间未到 / Not closed yet"
CONVENTION_LOCKED = "公约已提交表决，不能再修改 / The convention has gone to a vote and can no longer change"
NOT_COMMENTING = "公约现在不征求意见 / The convention is not open for comments"
ARTICLE_EMPTY = "条文不能为空 / An article needs text"
NO_ARTICLES = "公约至少需要一条 / A convention needs at least one article"
BAD_CONVENTION_ITEM = "公约表决应为管理规约（第 2 项）或其他重大事项（第 9 项）/ A convention is voted as item 2 or 9"


def _organised(actor, queryset, pk):
    scope = scope_for(actor)
    obj = get_in_scope(queryset.filter(estate__in=scope.estates()), pk=pk)
    if not (scope.is_root or obj.estate_id in scope.estate_ids(VOTE_ORGANISER_ROLES)):
        raise PermissionDenied()
    return obj


def _text(value: str, message: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field=field)
    return value


# --- consultations ---------------------------------------------------------------------------------
@transaction.atomic
def consultation_create(actor, *, estate_id: int, title: str, body: str, opens_at: datetime.datetime,
                        closes_at: datetime.datetime, building_ids: list[int] | None = None) -> Consultation:
    estate = votes._organiser_estate(actor, estate_id)
    title = _text(title, TITLE_REQUIRED, "title")[:200]
    body = _text(body, BODY_REQUIRED, "body")
    if closes_at <= opens_at:
        raise InvalidInput(CLOSES_BEFORE_OPENS, field="closes_at")
    buildings = list(estate.buildings.filter(pk__in=building_ids or []))
    if len(buildings) != len(set(building_ids or [])):
        raise InvalidInput(votes.BUILDING_OTHER_ESTATE, field="building_ids")
    consultation = Consultation.objects.create(estate=estate, title=title, body=body, opens_at=opens_at,
                                               closes_at=closes_at, created_by=actor)
    consultation.buildings.set(buildings)
    notices.notice_publish(actor, estate_id=estate.pk, kind="consultation", audience="estate",
                           title=f"征求意见：{title}", body=body, expires_on=clock.local_date(closes_at))
    audit_record(actor, "consultation.create", consultation, after=snapshot(consultation))
    return consultation


def households(consultation: Consultation):
    units = Unit.objects.filter(estate=consultation.estate)
    if consultation.buildings.exists():
        units = units.filter(building__in=consultation.buildings.all())
    return units


def my_units(user, consultation: Consultation) -> list[Unit]:
    """The households this user answers for: units they own or live in, within the group."""
    if not user.is_authenticated:
        return []
    own = Ownership.objects.filter(person__user=user, until__isnull=True).values("unit_id")
    lives = Residency.objects.filter(person__user=user, until__isnull=True).values("unit_id")
    return list(households(consultation).filter(pk__in=own.union(lives)).order_by("code"))


@transaction.atomic
def answer_submit(actor, *, consultation_id: int, unit_id: int, opinion: str, comment: str = "",
                  channel: str = Channel.ONLINE) -> Answer:
    """A household answers (again, if it changes its mind before the deadline); a collector may
    record a household's answer door to door."""
    scope = scope_for(actor)
    visible = get_in_scope(Consultation.objects.filter(estate__in=scope.estates()), pk=consultation_id)
    consultation = Consultation.objects.select_for_update().get(pk=visible.pk)
    if not consultation.is_open():
        raise WrongState(NOT_OPEN)
    if opinion not in Opinion.values:
        raise InvalidInput(UNKNOWN_OPINION, field="opinion")
    comment = (comment or "").strip()[:5000]
    if opinion == Opinion.CONDITIONAL and not comment:
        raise InvalidInput(CONDITIONS_NEEDED, field="comment")
    unit = households(consultation).filter(pk=unit_id).first()
    if unit is None:
        raise InvalidInput(UNIT_NOT_IN_GROUP, field="unit_id")
    collector = scope.is_root or consultation.estate_id in scope.estate_ids(BALLOT_COLLECTOR_ROLES)
    if channel == Channel.ONLINE:
        if unit not in my_units(actor, consultation):
            raise PermissionDenied(NOT_A_HOUSEHOLD)
    elif not collector:
        raise PermissionDenied()
    answer, created = Answer.objects.update_or_create(
        consultation=consultation, unit=unit,
        defaults={"opinion": opinion, "comment": comment, "channel": channel, "entered_by": actor,
                  "answered_at": clock.now()},
    )
    audit_record(actor, "answer.submit" if created else "answer.change", consultation,
                 after={"unit_id": unit.pk, "opinion": opinion, "channel": channel})
    return answer


@transaction.atomic
def answer_reply(actor, *, answer_id: int, text: str) -> Answer:
    """The organisers answer a household's opinion; the household sees the reply."""
    scope = scope_for(actor)
    answer = get_in_scope(Answer.objects.filter(consultation__estate__in=scope.estates()), pk=answer_id)
    _organised(actor, Consultation.objects.all(), answer.consultation_id)
    answer.reply = _text(text, REPLY_REQUIRED, "text")[:5000]
    answer.replied_by, answer.replied_at = actor, clock.now()
    answer.save(update_fields=["reply", "replied_by", "replied_at"])
    audit_record(actor, "answer.reply", answer, after={"reply": answer.reply})
    return answer


def consultation_summary(consultation: Consultation) -> dict:
    """Coverage (households answered / all) and the opinions by building."""
    units = households(consultation).select_related("building")
    answers = dict(Answer.objects.filter(consultation=consultation).values_list("unit_id", "opinion"))
    by_building: dict[str, Counter] = defaultdict(Counter)
    for unit in units:
        by_building[unit.building.code][answers.get(unit.pk, "unanswered")] += 1
    total = sum(sum(c.values()) for c in by_building.values())
    counts = Counter(answers.values())
    from gongzhi.places.selectors import natural_key

    return {
        "households": total,
        "answered": len(answers),
        "coverage": f"{len(answers) * 100 / total:.1f}%" if total else "0.0%",
        "agree": counts[Opinion.AGREE], "disagree": counts[Opinion.DISAGREE],
        "conditional": counts[Opinion.CONDITIONAL],
        "buildings": [
            {"building": code, "households": sum(c.values()), "agree": c[Opinion.AGREE],
             "disagree": c[Opinion.DISAGREE], "conditional": c[Opinion.CONDITIONAL], "unanswered": c["unanswered"]}
            for code, c in sorted(by_building.items(), key=lambda item: natural_key(item[0]))
        ],
    }


@transaction.atomic
def consultation_close(actor, *, consultation_id: int) -> Consultation:
    """After the deadline: freeze the summary and publish it (coverage and opinions by building)."""
    consultation = _organised(actor, Consultation.objects.select_for_update(), consultation_id)
    if consultation.closed_at is not None:
        raise WrongState(ALREADY_CLOSED)
    if clock.now() < consultation.closes_at:
        raise WrongState(NOT_YET_CLOSED)
    summary = consultation_summary(consultation)
    table = [["楼栋", "户数", "同意", "不同意", "有条件同意", "未答复"]] + [
        [f"{b['building']}号楼", str(b["households"]), str(b["agree"]), str(b["disagree"]), str(b["conditional"]),
         str(b["unanswered"])] for b in summary["buildings"]
    ]
    notice = notices.notice_publish(
        actor, estate_id=consultation.estate_id, kind="consultation", audience="estate",
        title=f"征求意见结果：{consultation.title}",
        body=(f"共 {summary['households']} 户，答复 {summary['answered']} 户（{summary['coverage']}）："
              f"同意 {summary['agree']}，不同意 {summary['disagree']}，有条件同意 {summary['conditional']}。"),
        table=table,
    )
    consultation.summary = {**summary, "notice_id": notice.pk}
    consultation.closed_at = clock.now()
    consultation.save(update_fields=["summary", "closed_at"])
    audit_record(actor, "consultation.close", consultation, after={"notice_id": notice.pk})
    return consultation


# --- conventions -------------------------------------------------------------------------------------
@transaction.atomic
def convention_create(actor, *, estate_id: int, title: str, articles: list[str]) -> Convention:
    estate = votes._organiser_estate(actor, estate_id)
    texts = [(t or "").strip() for t in articles if (t or "").strip()]
    if not texts:
        raise InvalidInput(NO_ARTICLES, field="articles")
    convention = Convention.objects.create(estate=estate, title=_text(title, TITLE_REQUIRED, "title")[:200],
                                           created_by=actor)
    Article.objects.bulk_create(Article(convention=convention, number=i, text=t) for i, t in enumerate(texts, 1))
    audit_record(actor, "convention.create", convention, after={"title": convention.title, "articles": texts})
    return convention


@transaction.atomic
def convention_open_comments(actor, *, convention_id: int) -> Convention:
    convention = _organised(actor, Convention.objects.select_for_update(), convention_id)
    if convention.status not in (ConventionStatus.DRAFTING, ConventionStatus.COMMENTING):
        raise WrongState(CONVENTION_LOCKED)
    convention.status = ConventionStatus.COMMENTING
    convention.save(update_fields=["status"])
    audit_record(actor, "convention.open_comments", convention, after={"status": convention.status})
    return convention


@transaction.atomic
def article_revise(actor, *, article_id: int, text: str) -> Article:
    """Revise an article in the light of comments; earlier comments stay, marked with the revision."""
    scope = scope_for(actor)
    article = get_in_scope(Article.objects.filter(convention__estate__in=scope.estates()), pk=article_id)
    convention = _organised(actor, Convention.objects.select_for_update(), article.convention_id)
    if convention.status not in (ConventionStatus.DRAFTING, ConventionStatus.COMMENTING):
        raise WrongState(CONVENTION_LOCKED)
    before = {"text": article.text, "revision": article.revision}
    article.text = _text(text, ARTICLE_EMPTY, "text")
    article.revision += 1
    article.save(update_fields=["text", "revision"])
    audit_record(actor, "article.revise", article, before=before, after={"text": article.text,
                                                                          "revision": article.revision})
    return article


@transaction.atomic
def article_comment(actor, *, article_id: int, text: str) -> ArticleComment:
    """Anyone of the estate comments on an article while the convention is open for comments."""
    scope = scope_for(actor)
    article = get_in_scope(Article.objects.filter(convention__estate__in=scope.estates())
                           .select_related("convention"), pk=article_id)
    if article.convention.status != ConventionStatus.COMMENTING:
        raise WrongState(NOT_COMMENTING)
    comment = ArticleComment.objects.create(article=article, author=actor, revision=article.revision,
                                            text=_text(text, REPLY_REQUIRED, "text")[:5000])
    audit_record(actor, "article.comment", article, after={"comment_id": comment.pk})
    return comment


@transaction.atomic
def convention_to_vote(actor, *, convention_id: int, item: int, opens_at: datetime.datetime,
                       closes_at: datetime.datetime) -> Vote:
    """Put the articles as they now stand to an owners' vote; the convention is locked."""
    convention = _organised(actor, Convention.objects.select_for_update(), convention_id)
    if convention.status not in (ConventionStatus.DRAFTING, ConventionStatus.COMMENTING):
        raise WrongState(CONVENTION_LOCKED)
    if item not in CONVENTION_ITEMS:
        raise InvalidInput(BAD_CONVENTION_ITEM, field="item")
    text = "\n".join(f"第{a.number}条 {a.text}" for a in convention.articles.all())
    vote = votes.vote_create(actor, estate_id=convention.estate_id, title=f"表决：{convention.title}", item=item,
                             description=text, opens_at=opens_at, closes_at=closes_at)
    convention.vote, convention.status = vote, ConventionStatus.VOTING
    convention.save(update_fields=["vote", "status"])
    audit_record(actor, "convention.to_vote", convention, after={"vote_id": vote.pk})
    return vote


def convention_vote_closed(vote: Vote, actor) -> None:
    """Called when a vote closes: a convention put to it is adopted or not, and if adopted its
    full text is published."""
    convention = Convention.objects.select_for_update().filter(vote=vote).first()
    if convention is None:
        return
    convention.status = ConventionStatus.ADOPTED if vote.passed else ConventionStatus.REJECTED
    convention.save(update_fields=["status"])
    if convention.status == ConventionStatus.ADOPTED:
        notices.notice_publish(actor, estate_id=convention.estate_id, kind="resolution", audience="estate",
                               title=f"{convention.title}（经业主表决通过）", body=vote.description)
    audit_record(actor, "convention.decided", convention, after={"status": convention.status})
