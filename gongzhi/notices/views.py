"""Pages of notices: public boards (no login for public notices), a notice, publishing and
correcting, the printable PDF, the notice file, and the public verification and log pages."""

import datetime
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import GongzhiError, NotFound, PermissionDenied
from gongzhi.core.files import Upload
from gongzhi.core.scoping import scope_for
from gongzhi.notices import documents, log, printing, rules, selectors, services
from gongzhi.notices.models import Audience, LogKey, LogLeaf, NoticeKind
from gongzhi.places.ledger import read_table
from gongzhi.places.models import Community, Estate


def _visible_notice(request, notice_id: int):
    """The notice, or the login page for an anonymous reader of a non-public one, or 404."""
    try:
        return selectors.notice_get(fetched_by=request.user, notice_id=notice_id)
    except NotFound:
        if not request.user.is_authenticated:
            raise _LoginFirst() from None
        raise


class _LoginFirst(Exception):
    pass


def _login_or(view):
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _LoginFirst:
            return redirect_to_login(request.get_full_path())

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


# --- boards ----------------------------------------------------------------------------------
def board_index(request):
    """Every community's and estate's public board: where a resident without an account starts."""
    communities = Community.objects.select_related("subdistrict").prefetch_related(
        Prefetch("estates", queryset=Estate.objects.order_by("name").only("pk", "name", "community_id"))
    ).order_by("subdistrict__name", "name")
    return render(request, "notices/board_index.html", {"communities": communities})


def estate_board(request, estate_id: int):
    estate = get_object_or_404(Estate.objects.select_related("community"), pk=estate_id)
    current, expired = selectors.board(fetched_by=request.user, estate=estate)
    return _board(request, estate.name, f"{estate.community.name}", current, expired)


def community_board(request, community_id: int):
    community = get_object_or_404(Community.objects.select_related("subdistrict"), pk=community_id)
    current, expired = selectors.board(fetched_by=request.user, community=community)
    return _board(request, community.name, community.subdistrict.name, current, expired)


def _with_log_index(notices):
    indices = selectors.leaf_indices("notice", [n.pk for n in notices])
    for n in notices:
        n.log_index = indices.get(n.pk)
    return notices


def _board(request, name, parent, current, expired):
    _with_log_index(current + expired)
    return render(
        request, "notices/board.html", {"name": name, "parent": parent, "current": current, "expired": expired}
    )


def notice_list(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    notices = list(selectors.notice_list(fetched_by=request.user)[:200])
    return render(
        request,
        "notices/notice_list.html",
        {
            "notices": _with_log_index(notices),
            "can_publish": rules.may_publish(request.user),
        },
    )


# --- one notice ------------------------------------------------------------------------------
@_login_or
def notice_detail(request, notice_id: int):
    notice = _visible_notice(request, notice_id)
    services.notice_read_record(request.user, notice)
    notice.views += 1  # this reading, counted in the database just now
    leaf = selectors.leaf_of("notice", notice.pk)
    can_manage = rules.may_publish_for(request.user, notice)
    return render(
        request,
        "notices/notice_detail.html",
        {
            "notice": notice,
            "leaf": leaf,
            "verify_url": documents.verify_url(request, leaf),
            "qr": printing.qr_svg_data_uri(documents.verify_url(request, leaf)),
            "can_manage": can_manage,
            "readers": notice.reads.count() if can_manage else None,
            "correction": getattr(notice, "correction", None),
        },
    )


@_login_or
def notice_print(request, notice_id: int):
    notice = _visible_notice(request, notice_id)
    leaf = selectors.leaf_of("notice", notice.pk)
    pdf = printing.notice_pdf(notice, leaf=leaf, verify_url=documents.verify_url(request, leaf))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{leaf.index}.pdf"'
    return response


@_login_or
def notice_file(request, notice_id: int):
    notice = _visible_notice(request, notice_id)
    leaf = selectors.leaf_of("notice", notice.pk)
    head = log.head_covering(leaf.index)
    if head is None:
        head = log.head_sign()
    response = JsonResponse(
        documents.notice_file(leaf, head, documents.verify_url(request, leaf)), json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="notice-{leaf.index}.json"'
    return response


@_login_or
def notice_attachment(request, notice_id: int, attachment_id: int):
    notice = _visible_notice(request, notice_id)
    attachment = next((a for a in notice.attachments.all() if a.pk == attachment_id), None)
    if attachment is None:
        raise Http404
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name,
                        content_type=attachment.content_type)


@require_POST
def notice_pin(request, notice_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("notices:notice_detail", args=[notice_id]))
    services.notice_pin(request.user, notice_id=notice_id, pinned=request.POST.get("pinned") == "1")
    return redirect("notices:notice_detail", notice_id)


# --- publishing ------------------------------------------------------------------------------
class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class NoticeForm(forms.Form):
    place = forms.ChoiceField(label=_("发布到"))
    kind = forms.ChoiceField(label=_("类别"), choices=NoticeKind.choices)
    audience = forms.ChoiceField(label=_("公开范围"), choices=Audience.choices, initial=Audience.ESTATE)
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 8}))
    issuer = forms.CharField(label=_("发布单位（可不填）"), max_length=100, required=False)
    expires_on = forms.DateField(label=_("公示截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    pinned = forms.BooleanField(label=_("置顶"), required=False)
    table_file = forms.FileField(label=_("表格（可选，Excel 或 CSV，第一行为表头）"), required=False)
    attachments = MultipleFileField(label=_("附件（PDF、图片、Excel、Word，最多 10 个）"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        estates = scope.estates(rules.PUBLISHERS).select_related("community").order_by("community__name", "name")
        communities = scope.communities(rules.PUBLISHERS).order_by("name")
        self.fields["place"].choices = [(f"c{c.pk}", f"{c.name}（{_('社区')}）") for c in communities] + [
            (f"e{e.pk}", f"{e.community.name} · {e.name}") for e in estates
        ]


def _place_ids(place: str) -> dict:
    """The form's place choice: "e<estate id>" or "c<community id>"."""
    key = "estate_id" if place[:1] == "e" else "community_id"
    return {key: int(place[1:])}


def notice_new(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = request.user
    if not rules.may_publish(user):
        raise PermissionDenied(services.NOT_A_PUBLISHER)
    supersedes = None
    if request.GET.get("supersedes") or request.POST.get("supersedes"):
        supersedes = selectors.notice_get(
            fetched_by=user, notice_id=_int_or_404(request.GET.get("supersedes") or request.POST.get("supersedes"))
        )
    initial = {}
    if supersedes is not None:
        initial = {
            "place": f"e{supersedes.estate_id}" if supersedes.estate_id else f"c{supersedes.community_id}",
            "kind": supersedes.kind, "audience": supersedes.audience, "issuer": supersedes.issuer,
            "title": f"【更正】{supersedes.title}"[:200], "body": supersedes.body,
        }
    form = NoticeForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            table = None
            if data["table_file"]:
                table = read_table(data["table_file"].read(), data["table_file"].name)
            notice = services.notice_publish(
                user,
                **_place_ids(data["place"]),
                kind=data["kind"], audience=data["audience"], title=data["title"], body=data["body"],
                issuer=data["issuer"], expires_on=data["expires_on"], pinned=data["pinned"], table=table,
                attachments=[Upload(f.name, f.read()) for f in data["attachments"]],
                supersedes_id=supersedes.pk if supersedes else None,
            )
        except GongzhiError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("公示已发布并记入透明日志"))
            return redirect("notices:notice_detail", notice.pk)
    return render(request, "notices/notice_new.html", {"form": form, "supersedes": supersedes})


def _int_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


# --- verification and the log ----------------------------------------------------------------
def notice_verify(request, index: int):
    """The page a notice's QR code opens: is this the published notice, unchanged?"""
    leaf = get_object_or_404(LogLeaf, index=index)
    check = documents.check_leaf(leaf, request.GET.get("h"))
    notice = None
    content = None
    if leaf.kind == "notice":
        notice = selectors.notices_visible(request.user).select_related("correction").filter(pk=leaf.ref_id).first()
    if notice is None and leaf.ref_id in log.record_kind(leaf.kind).visible_ids(request.user, [leaf.ref_id]):
        content = json.loads(leaf.entry)["content"]
    return render(
        request,
        "notices/verify.html",
        {
            "leaf": leaf,
            "leaf_hash": bytes(leaf.leaf_hash).hex(),
            "check": check,
            "notice": notice,
            "content": content,
            "head": documents.head_doc(check.head) if check.head else None,
            "printed": request.GET.get("h", ""),
        },
    )


def log_page(request):
    head = log.latest_head()
    size = log.log_size()
    start = max(0, size - 20)
    entries = selectors.log_entries(fetched_by=request.user, start=start, end=size)
    return render(
        request,
        "notices/log.html",
        {
            "head": documents.head_doc(head) if head else None,
            "head_time": datetime.datetime.fromtimestamp(head.timestamp / 1000, tz=datetime.UTC) if head else None,
            "keys": [documents.key_doc(k) for k in LogKey.objects.all()],
            "entries": [(leaf, bytes(leaf.leaf_hash).hex(), shown) for leaf, shown in reversed(entries)],
        },
    )


def log_key_pem(request, key_id: str):
    key = get_object_or_404(LogKey, key_id=key_id)
    response = HttpResponse(documents.key_doc(key)["pem"], content_type="application/x-pem-file")
    response["Content-Disposition"] = f'attachment; filename="gongzhi-log-{key_id}.pem"'
    return response
