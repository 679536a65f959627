"""Pages of owners' votes: the list, a vote (an owner's ballot on a phone; the organiser's
controls), live turnout, paper ballots (entry, import, second check), closing and the result."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gongzhi.core import clock
from gongzhi.core.errors import GongzhiError, InvalidInput, NotFound, PermissionDenied
from gongzhi.core.exports import xlsx_stream
from gongzhi.core.figures import place_get
from gongzhi.core.web import attempt, posted_action, posted_date
from gongzhi.core.web import posted_id as _int
from gongzhi.people.models import Person
from gongzhi.places.models import Building
from gongzhi.votes import rules, selectors, services
from gongzhi.votes.forms import ImportForm, PaperBallotForm, VoteForm
from gongzhi.votes.models import CANDIDATE_CHECKS, Candidate, Choice, RollEntry, VotePhase, VoteStatus
from gongzhi.votes.tally import ITEMS

BALLOT_RECORDED = _("您的投票已记录。这是您的回执，请保存回执编号。")


def _votes(request):
    """The votes list's rows for its filters (the page and its export read the same)."""
    user, get = request.user, request.GET
    return selectors.votes_filtered(
        fetched_by=user, place=place_get(user, get["place"], None) if get.get("place") else None,
        start=posted_date(get.get("start")), end=posted_date(get.get("end")), status=get.get("status", ""),
        passed=bool(get.get("passed")))


@login_required
def vote_list(request):
    user, get = request.user, request.GET
    votes = _votes(request)
    return render(request, "votes/vote_list.html", {
        "votes": list(votes[:200]), "total": votes.count(), "filtered": any(get.values()),
        "can_create": rules.may_organise_somewhere(user), "can_export": rules.may_export_votes(user),
    })


VOTE_HEADERS = ["小区", "表决事项", "类型", "投票方式", "开始", "截止", "状态", "应参与户数", "已投票户数", "参与率(户)",
                "面积参与率", "结果"]
TURNOUT_HEADERS = ["楼栋", "应投户数", "已投户数", "参与率", "专有面积合计(m²)", "已投面积(m²)", "面积参与率"]


def _turnout_cells(count: dict | None) -> list:
    """Owners entitled and taking part, and the two participation ratios, from a count as
    tally.Tally.as_dict() gives it (a closed vote keeps it as its result)."""
    if not count:
        return ["", "", "", ""]
    ratios = count["ratios"]
    return [count["owners_total"], count["owners_participating"], ratios["participation_owners"]["percent"],
            ratios["participation_area"]["percent"]]


def _building_cells(tally) -> list:
    """Owners and area on the roll and taking part, with the two ratios (the areas as numbers, in m²)."""
    ratios = tally.as_dict()["ratios"]
    return [tally.owners_total, tally.owners_participating, ratios["participation_owners"]["percent"],
            tally.area_total, tally.area_participating, ratios["participation_area"]["percent"]]


def _outcome(vote) -> str:
    if vote.status != VoteStatus.CLOSED or not vote.result:
        return ""
    if "election" in vote.result:
        return "当选：" + ("、".join(vote.result["election"]["elected"]) or "无")
    return "通过" if vote.passed else "未通过"


def _vote_row(user, vote) -> list:
    """A vote's line: its published result once counted; while it runs, the live turnout only for its
    organisers (as the vote's page shows it) — never anyone's choice."""
    if vote.status == VoteStatus.CLOSED:
        count = vote.result
    elif vote.status == VoteStatus.ANNOUNCED and rules.may_organise_vote(user, vote.estate):
        count = selectors.vote_tally(vote).as_dict()
    else:
        count = None
    return [vote.estate.name, vote.title, f"第{vote.item}项：{ITEMS[vote.item]}", "不记名" if vote.secret else "记名",
            clock.stamp(vote.opens_at), clock.stamp(vote.closes_at), str(vote.phase.label), *_turnout_cells(count),
            _outcome(vote)]


@login_required
def vote_export(request):
    """The votes list, with its filters, as Excel."""
    user = request.user
    if not rules.may_export_votes(user):
        raise PermissionDenied()
    rows = (_vote_row(user, v) for v in _votes(request).iterator(chunk_size=500))
    return xlsx_stream("业主表决", VOTE_HEADERS, rows, "votes")


@login_required
def vote_turnout_export(request, vote_id: int):
    """A vote's turnout by building, as Excel, for its organisers: counts and areas, never choices."""
    user = request.user
    vote = selectors.vote_get(fetched_by=user, vote_id=vote_id)
    if not rules.may_organise_vote(user, vote.estate):
        raise PermissionDenied()
    rows = [[f"{b.building}号楼", *_building_cells(b.tally)] for b in selectors.turnout_by_building(vote)]
    if vote.status != VoteStatus.DRAFT:
        rows.append(["合计", *_building_cells(selectors.vote_tally(vote))])
    return xlsx_stream("参与情况", TURNOUT_HEADERS, rows, f"turnout-{vote.pk}")


@login_required
def vote_new(request):
    user = request.user
    if not rules.may_organise_somewhere(user):
        raise PermissionDenied()
    form = VoteForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            vote = services.vote_create(
                user, estate_id=int(data["estate"]), title=data["title"], item=data["item"],
                description=data["description"], opens_at=data["opens_at"], closes_at=data["closes_at"],
                secret=data["secret"], allow_change=data["allow_change"],
                building_ids=_building_ids(int(data["estate"]), data["buildings"]),
            )
        except GongzhiError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("votes:vote_detail", vote.pk)
    return render(request, "votes/vote_new.html", {"form": form})


def _building_ids(estate_id: int, text: str) -> list[int]:
    codes = [c.strip() for c in text.replace("，", ",").split(",") if c.strip()]
    found = dict(Building.objects.filter(estate_id=estate_id, code__in=codes).values_list("code", "pk"))
    missing = [c for c in codes if c not in found]
    if missing:
        raise InvalidInput(services.BUILDING_OTHER_ESTATE + f"：{'、'.join(missing)}", field="buildings")
    return list(found.values())


@login_required
def vote_detail(request, vote_id: int):
    """The vote; for an owner the ballot in two steps: choose (this page answers with what the ballot
    would cover, nothing written), then confirm (only a POST with confirm=1 casts)."""
    user = request.user
    vote = selectors.vote_get(fetched_by=user, vote_id=vote_id)
    if request.method == "POST":
        ballot = {"choice": request.POST.get("choice", ""), "unit_id": _int(request.POST.get("unit_id")),
                  "candidate_ids": [i for i in map(_int, request.POST.getlist("candidate")) if i]}
        try:
            if request.POST.get("confirm") != "1":
                plan = services.ballot_preview(user, vote_id=vote.pk, **ballot)
                return render(request, "votes/ballot_confirm.html", {"vote": vote, "plan": plan, **ballot})
            services.ballot_cast(user, vote_id=vote.pk, **ballot)
        except GongzhiError as exc:
            messages.error(request, exc.message)
            return redirect("votes:vote_detail", vote.pk)
        messages.success(request, BALLOT_RECORDED)
        return redirect("votes:vote_receipt", vote.pk)
    organiser = rules.may_organise_vote(user, vote.estate)
    phase = vote.phase
    return render(request, "votes/vote_detail.html", {
        "vote": vote,
        "phase": phase,
        "item_name": ITEMS[vote.item],
        "mine": selectors.my_ownerships(user, vote),
        "choices": Choice.choices,
        "organiser": organiser,
        "collector": rules.may_collect_ballots(user, vote.estate),
        "turnout": selectors.turnout(fetched_by=user, vote=vote) if organiser and vote.status != VoteStatus.DRAFT
        else None,
        "is_open": phase == VotePhase.OPEN,
        "candidates": _with_checklist(vote.candidates.select_related("person")) if vote.seats else [],
        "due": phase == VotePhase.COUNTING,
    })


@login_required
def vote_receipt(request, vote_id: int):
    """The voter's receipt: what was recorded, for which units and area, when, the receipt number.
    Nobody but the voter reads it (404 for anyone else, organisers included)."""
    vote = selectors.vote_get(fetched_by=request.user, vote_id=vote_id)
    receipts = selectors.my_receipts(request.user, vote)
    if not receipts:
        raise NotFound()
    return render(request, "votes/receipt.html", {"vote": vote, "receipts": receipts, "phase": vote.phase})


def _with_checklist(candidates):
    candidates = list(candidates)
    for c in candidates:
        c.checklist = [(key, label, bool(c.checks.get(key))) for key, label in CANDIDATE_CHECKS.items()]
        c.notes = services.candidate_notes_of(c)
    return candidates


@login_required
@require_POST
def vote_action(request, vote_id: int, action: str):
    actions = {"announce": services.vote_announce, "close": services.vote_close, "remind": services.vote_remind}
    service = posted_action(request, actions, action)
    attempt(request, lambda: service(request.user, vote_id=vote_id), None)
    return redirect("votes:vote_detail", vote_id)


@login_required
def vote_turnout(request, vote_id: int):
    user = request.user
    vote = selectors.vote_get(fetched_by=user, vote_id=vote_id)
    if not rules.may_collect_ballots(user, vote.estate):
        raise PermissionDenied()
    polled = request.GET.get("format") == "json" or request.htmx  # the numbers alone, every 5 seconds
    turnout = selectors.turnout(fetched_by=user, vote=vote, not_voted=not polled)
    if request.GET.get("format") == "json":
        t = turnout.tally
        return JsonResponse({
            "owners_participating": t.owners_participating, "owners_total": t.owners_total,
            "area_participating": str(t.area_participating), "area_total": str(t.area_total),
            "participation_area": float(t.participation_area), "participation_owners": float(t.participation_owners),
            "pending_check": turnout.pending_check,
        })
    if request.htmx:  # the page polls for the numbers alone
        return render(request, "votes/_turnout.html", {"vote": vote, "turnout": turnout})
    return render(request, "votes/turnout.html", {"vote": vote, "turnout": turnout,
                                                  "organiser": rules.may_organise_vote(user, vote.estate)})


@login_required
def vote_paper(request, vote_id: int):
    """Collectors enter paper ballots (by hand or from a spreadsheet); organisers check them."""
    user = request.user
    vote = selectors.vote_get(fetched_by=user, vote_id=vote_id)
    if not rules.may_collect_ballots(user, vote.estate):
        raise PermissionDenied()
    form = PaperBallotForm(request.POST if "enter" in request.POST else None,
                           request.FILES if "enter" in request.POST else None)
    upload = ImportForm(request.POST if "import" in request.POST else None,
                        request.FILES if "import" in request.POST else None)
    if request.method == "POST":
        try:
            if "enter" in request.POST and form.is_valid():
                _enter(user, vote, form.cleaned_data)
                messages.success(request, _("已录入，等待另一人复核"))
                return redirect("votes:vote_paper", vote.pk)
            if "import" in request.POST and upload.is_valid():
                f = upload.cleaned_data["file"]
                n = services.ballot_import(user, vote_id=vote.pk, data=f.read(), filename=f.name)
                messages.success(request, _("已导入 %(n)s 张选票，等待复核") % {"n": n})
                return redirect("votes:vote_paper", vote.pk)
            if "check" in request.POST:
                services.ballot_check(user, ballot_id=_int(request.POST.get("ballot")) or 0,
                                      choice=request.POST.get("check", ""))
                messages.success(request, _("复核无误，已计票"))
                return redirect("votes:vote_paper", vote.pk)
        except GongzhiError as exc:
            if exc.status in (403, 404) and "check" not in request.POST:
                raise
            messages.error(request, exc.message)
    return render(request, "votes/paper.html", {
        "vote": vote, "form": form, "upload": upload, "choices": Choice.choices,
        "pending": list(selectors.pending_ballots(vote=vote)) if rules.may_organise_vote(user, vote.estate) else None,
    })


def _enter(user, vote, data):
    entry = RollEntry.objects.filter(vote=vote, unit__code=data["unit"].strip()).first()
    if entry is None:
        raise InvalidInput(services.UNIT_NOT_IN_GROUP, field="unit")
    voter = entry.persons.filter(name=data["voter"].strip()).first()
    if voter is None:
        raise InvalidInput(services.VOTER_NOT_OWNER, field="voter")
    services.ballot_enter(user, vote_id=vote.pk, unit_id=entry.unit_id, voter_id=voter.pk, choice=data["choice"],
                          channel=data["channel"], proxy_document=data["proxy_document"])


@login_required
@require_POST
def vote_candidates(request, vote_id: int):
    """Nominate: an owner themself, or an organiser recommending an owner (房号 + 姓名)."""
    user = request.user
    vote = selectors.vote_get(fetched_by=user, vote_id=vote_id)
    try:
        person_id = None
        if request.POST.get("unit"):
            if not rules.may_organise_vote(user, vote.estate):
                raise PermissionDenied()
            entry_persons = _owners_of_unit(vote, request.POST["unit"].strip())
            person = next((p for p in entry_persons if p.name == request.POST.get("name", "").strip()), None)
            if person is None:
                raise InvalidInput(services.CANDIDATE_NOT_OWNER, field="name")
            person_id = person.pk
        services.candidate_nominate(user, vote_id=vote_id, person_id=person_id,
                                    statement=request.POST.get("statement", ""))
        messages.success(request, _("已提名"))
    except GongzhiError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    return redirect("votes:vote_detail", vote_id)


def _owners_of_unit(vote, code: str):
    return list(Person.objects.filter(ownerships__unit__estate_id=vote.estate_id, ownerships__unit__code=code,
                                      ownerships__until__isnull=True))


@login_required
@require_POST
def candidate_review(request, candidate_id: int):
    try:
        candidate = services.candidate_review(
            request.user, candidate_id=candidate_id, checks={k: k in request.POST for k in CANDIDATE_CHECKS})
    except GongzhiError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        candidate = Candidate.objects.get(pk=candidate_id)
    return redirect("votes:vote_detail", candidate.vote_id)
