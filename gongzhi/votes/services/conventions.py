"""Residents' conventions (居民公约): articles drafted, commented on and revised, then adopted by an
owners' vote (item 2 or 9); once adopted the full text is published."""

import datetime

from django.db import transaction

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import InvalidInput, WrongState
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.text import clean_text
from gongzhi.notices import services as notices
from gongzhi.votes.choices import AuditAction, ConventionStatus
from gongzhi.votes.models import Article, ArticleComment, Convention, Vote
from gongzhi.votes.services.consultations import REPLY_REQUIRED, TITLE_REQUIRED, organised
from gongzhi.votes.services.votes import ANY_LENGTH, organised_estate, vote_create
from gongzhi.votes.tally import CONVENTION_ITEMS

CONVENTION_LOCKED = "公约已提交表决，不能再修改 / The convention has gone to a vote and can no longer change"
NOT_COMMENTING = "公约现在不征求意见 / The convention is not open for comments"
ARTICLE_EMPTY = "条文不能为空 / An article needs text"
NO_ARTICLES = "公约至少需要一条 / A convention needs at least one article"
TOO_MANY_ARTICLES = "公约最多 {n} 条 / A convention has at most {n} articles"
ARTICLE_MAX = 5000
ARTICLES_MAX = 200
BAD_CONVENTION_ITEM = "公约表决应为管理规约（第 2 项）或其他重大事项（第 9 项）/ A convention is voted as item 2 or 9"


@transaction.atomic
def convention_create(actor, *, estate_id: int, title: str, articles: list[str]) -> Convention:
    estate = organised_estate(actor, estate_id)
    texts = [clean_text(t, ARTICLE_MAX, field="articles") for t in articles if (t or "").strip()]
    if not texts:
        raise InvalidInput(NO_ARTICLES, field="articles")
    if len(texts) > ARTICLES_MAX:
        raise InvalidInput(TOO_MANY_ARTICLES.format(n=ARTICLES_MAX), field="articles")
    title = clean_text(title, ANY_LENGTH, TITLE_REQUIRED, field="title")[:200]
    convention = Convention.objects.create(estate=estate, title=title, created_by=actor)
    Article.objects.bulk_create(Article(convention=convention, number=i, text=t) for i, t in enumerate(texts, 1))
    audit_record(actor, AuditAction.CONVENTION_CREATE, convention, after={"title": convention.title, "articles": texts})
    return convention


@transaction.atomic
def convention_open_comments(actor, *, convention_id: int) -> Convention:
    convention = organised(actor, Convention.objects.select_for_update(), convention_id)
    if convention.status not in (ConventionStatus.DRAFTING, ConventionStatus.COMMENTING):
        raise WrongState(CONVENTION_LOCKED)
    convention.status = ConventionStatus.COMMENTING
    convention.save(update_fields=["status"])
    audit_record(actor, AuditAction.CONVENTION_OPEN_COMMENTS, convention, after={"status": convention.status})
    return convention


@transaction.atomic
def article_revise(actor, *, article_id: int, text: str) -> Article:
    """Revise an article in the light of comments; earlier comments stay, marked with the revision."""
    scope = scope_for(actor)
    article = get_in_scope(Article.objects.filter(convention__estate__in=scope.estates()), pk=article_id)
    convention = organised(actor, Convention.objects.select_for_update(), article.convention_id)
    if convention.status not in (ConventionStatus.DRAFTING, ConventionStatus.COMMENTING):
        raise WrongState(CONVENTION_LOCKED)
    before = {"text": article.text, "revision": article.revision}
    article.text = clean_text(text, ARTICLE_MAX, ARTICLE_EMPTY, field="text")
    article.revision += 1
    article.save(update_fields=["text", "revision"])
    audit_record(actor, AuditAction.ARTICLE_REVISE, article, before=before, after={"text": article.text,
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
                                            text=clean_text(text, ANY_LENGTH, REPLY_REQUIRED, field="text")[:5000])
    audit_record(actor, AuditAction.ARTICLE_COMMENT, article, after={"comment_id": comment.pk})
    return comment


@transaction.atomic
def convention_to_vote(actor, *, convention_id: int, item: int, opens_at: datetime.datetime,
                       closes_at: datetime.datetime) -> Vote:
    """Put the articles as they now stand to an owners' vote; the convention is locked."""
    convention = organised(actor, Convention.objects.select_for_update(), convention_id)
    if convention.status not in (ConventionStatus.DRAFTING, ConventionStatus.COMMENTING):
        raise WrongState(CONVENTION_LOCKED)
    if item not in CONVENTION_ITEMS:
        raise InvalidInput(BAD_CONVENTION_ITEM, field="item")
    text = "\n".join(f"第{a.number}条 {a.text}" for a in convention.articles.all())
    vote = vote_create(actor, estate_id=convention.estate_id, title=f"表决：{convention.title}", item=item,
                             description=text, opens_at=opens_at, closes_at=closes_at)
    convention.vote, convention.status = vote, ConventionStatus.VOTING
    convention.save(update_fields=["vote", "status"])
    audit_record(actor, AuditAction.CONVENTION_TO_VOTE, convention, after={"vote_id": vote.pk})
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
    audit_record(actor, AuditAction.CONVENTION_DECIDED, convention, after={"status": convention.status})
