"""Pages of consultations (征求意见) and residents' conventions (居民公约)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import GongzhiError, PermissionDenied
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.web import attempt
from gongzhi.core.web import posted_id as _int
from gongzhi.votes import rules, selectors
from gongzhi.votes import services as svc
from gongzhi.votes.forms import ConsultationForm, ToVoteForm
from gongzhi.votes.models import Answer, ArticleComment, Consultation, Convention, Opinion


def _handle(request, action, success, redirect_to):
    attempt(request, action, success)
    return redirect(*redirect_to)




@login_required
def consultation_list(request):
    user = request.user
    scope = scope_for(user)
    form = ConsultationForm(request.POST or None, user=user) if rules.may_organise_somewhere(user) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied()
        if form.is_valid():
            data = form.cleaned_data
            try:
                c = svc.consultation_create(user, estate_id=int(data["estate"]), title=data["title"], body=data["body"],
                                            opens_at=data["opens_at"], closes_at=data["closes_at"])
            except GongzhiError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("votes:consultation_detail", c.pk)
    return render(request, "votes/consultation_list.html", {
        "consultations": Consultation.objects.filter(estate__in=scope.estates()).select_related("estate")[:200],
        "conventions": Convention.objects.filter(estate__in=scope.estates()).select_related("estate")[:200],
        "form": form,
    })


def _consultation(user, pk):
    return get_in_scope(Consultation.objects.filter(estate__in=scope_for(user).estates()).select_related("estate"),
                        pk=pk)


@login_required
def consultation_detail(request, consultation_id: int):
    user = request.user
    consultation = _consultation(user, consultation_id)
    organiser = rules.may_organise_vote(user, consultation.estate)
    collector = rules.may_collect_ballots(user, consultation.estate)
    if request.method == "POST":
        post = request.POST
        if "reply" in post:
            return _handle(request, lambda: svc.answer_reply(user, answer_id=_int(post.get("answer")) or 0,
                                                             text=post.get("reply", "")),
                           _("已答复"), ("votes:consultation_detail", consultation.pk))
        if "close" in post:
            return _handle(request, lambda: svc.consultation_close(user, consultation_id=consultation.pk),
                           _("已结束并公示结果"), ("votes:consultation_detail", consultation.pk))
        unit_id = post.get("unit_id")
        if post.get("unit_code"):  # door to door: the collector types the unit
            unit = selectors.households(consultation).filter(code=post["unit_code"].strip()).first()
            unit_id = unit.pk if unit else 0
        return _handle(request, lambda: svc.answer_submit(
            user, consultation_id=consultation.pk, unit_id=_int(unit_id) or 0, opinion=post.get("opinion", ""),
            comment=post.get("comment", ""), channel="door" if post.get("unit_code") else "online"),
            _("您的意见已记录"), ("votes:consultation_detail", consultation.pk))
    mine = selectors.my_units(user, consultation)
    answers = {a.unit_id: a for a in Answer.objects.filter(consultation=consultation, unit__in=mine)}
    return render(request, "votes/consultation_detail.html", {
        "consultation": consultation,
        "mine": [(u, answers.get(u.pk)) for u in mine],
        "opinions": Opinion.choices,
        "organiser": organiser,
        "collector": collector,
        "summary": selectors.consultation_summary(consultation) if organiser or collector else None,
        "all_answers": (Answer.objects.filter(consultation=consultation).exclude(comment="")
                        .select_related("unit__building").order_by("unit__building__code", "unit__code")
                        if organiser else None),
        "is_open": consultation.is_open(),
    })


@login_required
def convention_new(request):
    user = request.user
    if not rules.may_organise_somewhere(user):
        raise PermissionDenied()
    estates = rules.organised_estates(user)
    if request.method == "POST":
        try:
            c = svc.convention_create(user, estate_id=_int(request.POST.get("estate")) or 0,
                                      title=request.POST.get("title", ""),
                                      articles=request.POST.get("articles", "").splitlines())
        except GongzhiError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, exc.message)
        else:
            return redirect("votes:convention_detail", c.pk)
    return render(request, "votes/convention_new.html", {"estates": estates})


@login_required
def convention_detail(request, convention_id: int):
    user = request.user
    convention = get_in_scope(Convention.objects.filter(estate__in=scope_for(user).estates())
                              .select_related("estate", "vote"), pk=convention_id)
    post, here = request.POST, ("votes:convention_detail", convention.pk)
    if request.method == "POST":
        if "comment" in post:
            return _handle(request, lambda: svc.article_comment(user, article_id=_int(post.get("article")) or 0,
                                                                text=post.get("comment", "")), _("意见已提交"), here)
        if "revise" in post:
            return _handle(request, lambda: svc.article_revise(user, article_id=_int(post.get("article")) or 0,
                                                               text=post.get("revise", "")), _("条文已修订"), here)
        if "open" in post:
            return _handle(request, lambda: svc.convention_open_comments(user, convention_id=convention.pk),
                           _("已开始征求意见"), here)
        if "to_vote" in post:
            form = ToVoteForm(post)
            if not form.is_valid():
                messages.error(request, _("请填写表决事项和投票时间"))
                return redirect(*here)
            data = form.cleaned_data
            return _handle(request, lambda: svc.convention_to_vote(
                user, convention_id=convention.pk, item=data["item"], opens_at=data["opens_at"],
                closes_at=data["closes_at"]), _("已提交业主表决，请在表决页公告"), here)
    articles = convention.articles.prefetch_related(
        Prefetch("comments", queryset=ArticleComment.objects.select_related("author")))
    return render(request, "votes/convention_detail.html", {
        "convention": convention,
        "articles": articles,
        "organiser": rules.may_organise_vote(user, convention.estate),
        "to_vote": ToVoteForm(),
    })
