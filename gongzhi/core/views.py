"""Pages of the shared mechanisms: approvals and the audit trail (home and display are the portal's).

Views only parse input and hand off to services and selectors.
"""

from itertools import islice

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.paginator import Paginator
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from gongzhi.core import rules, selectors, services
from gongzhi.core.audit_display import subject_types
from gongzhi.core.errors import GongzhiError, PermissionDenied
from gongzhi.core.exports import xlsx_stream
from gongzhi.core.models import PASSWORD_CHANGE_DUE, AuditEntry
from gongzhi.core.registry import audit_action_known, audit_action_label, audit_actions
from gongzhi.core.roles import AUDIT_ROLES, STAFF_ROLES, Role
from gongzhi.core.scoping import scope_for
from gongzhi.core.web import UNKNOWN_ACTION, attempt, posted_id

PASSWORD_CHANGED = _("密码已修改，请牢记新密码 / Your password was changed: keep the new one safe")

# --- logging in -----------------------------------------------------------------------------
class LoginForm(AuthenticationForm):
    """Django's login form; a locked account or address is refused with why and how to get back in."""

    def clean(self):
        try:
            return super().clean()
        except services.AccountLocked as locked:
            raise forms.ValidationError(locked.message, code="locked") from None


class LoginView(auth_views.LoginView):
    """/login/: the page twin of POST /api/v1/auth/token; both count failures in one place (core.backends)."""

    form_class = LoginForm
    template_name = "core/login.html"

    def form_invalid(self, form):
        answer = super().form_invalid(form)
        if form.has_error(forms.forms.NON_FIELD_ERRORS, "locked"):
            answer.status_code = 429
        return answer


# --- logging in by mobile and a one-time SMS code ---------------------------------------------
class MobileForm(forms.Form):
    mobile = forms.CharField(label=_("手机号"), max_length=20, widget=forms.TextInput(attrs={
        "type": "tel", "inputmode": "numeric", "autocomplete": "tel"}))


class SmsLoginForm(MobileForm):
    code = forms.CharField(label=_("短信验证码"), max_length=6, min_length=6, widget=forms.TextInput(attrs={
        "inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}))


def _next_url(request) -> str:
    """Where to go after logging in: the posted `next` when it is this site's, else the home page."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def sms_login(request):
    """/login/sms/: the mobile, then the code it was sent (the page twin of POST /api/v1/auth/sms-code and
    /auth/sms-token). Every mobile gets the same answer; a wrong code counts like a wrong password."""
    action = request.POST.get("action") if request.method == "POST" else None
    address = services.login_address(request)
    status = 200
    ask = MobileForm(request.POST if action == "send" else None, prefix="s")
    enter = SmsLoginForm(request.POST if action == "login" else None, prefix="l")
    code_sent = action == "login"
    if action == "send" and ask.is_valid():
        try:
            sent = services.sms_code_send(None, mobile=ask.cleaned_data["mobile"], address=address)
        except GongzhiError as exc:
            ask.add_error("mobile", exc.message)
            status = exc.status if exc.status == 429 else 200
        else:  # the code's form next, on this answer (the mobile stays out of the address bar and the logs)
            messages.success(request, sent)
            enter = SmsLoginForm(prefix="l", initial={"mobile": ask.cleaned_data["mobile"]})
            code_sent = True
    elif action == "login" and enter.is_valid():
        try:
            user = services.sms_login(None, mobile=enter.cleaned_data["mobile"], code=enter.cleaned_data["code"],
                                      address=address)
        except GongzhiError as exc:
            enter.add_error("code" if exc.field == "code" else "mobile" if exc.field == "mobile" else None,
                            exc.message)
            status = exc.status if exc.status in (401, 429) else 200
        else:
            auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            return redirect(_next_url(request))
    elif action not in (None, "send", "login"):
        raise GongzhiError(UNKNOWN_ACTION)
    answer = render(request, "core/login_sms.html", {"ask": ask, "enter": enter, "next": _next_url(request),
                                                     "code_sent": code_sent})
    answer.status_code = status
    return answer


# --- passwords: the change (first of all after a reset), a reset by community staff ---------------
class PasswordChangePageForm(PasswordChangeForm):
    """Django's form (the current password, the new one twice, the password rules in Chinese)."""


@login_required
def password_change(request):
    """/account/password/: choose one's own password; after a reset by staff no other page opens first."""
    user = request.user
    due = selectors.password_change_due(user)
    form = PasswordChangePageForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_password_change(user, old_password=form.cleaned_data["old_password"],
                                             new_password=form.cleaned_data["new_password1"])
        except GongzhiError as exc:
            form.add_error("new_password1" if exc.field == "new_password" else exc.field, exc.message)
        else:
            update_session_auth_hash(request, user)  # this session stays; every other one ends
            request.session.pop(PASSWORD_CHANGE_DUE, None)
            messages.success(request, PASSWORD_CHANGED)
            return redirect(settings.LOGIN_REDIRECT_URL)
    if not due:
        request.session.pop(PASSWORD_CHANGE_DUE, None)  # changed by another route meanwhile
    return render(request, "core/password_change.html", {"form": form, "due": due})


@login_required
def account_password_reset(request, user_id: int):
    """/accounts/<id>/password-reset/: community staff give a login that forgot its password a one-time
    password (GET asks to confirm; POST issues it and shows it on this answer only, never again)."""
    account = selectors.account_for_reset(fetched_by=request.user, user_id=user_id)
    issued = None
    if request.method == "POST":
        issued = attempt(request, lambda: services.account_password_reset(request.user, user_id=account.pk), None)
    back = request.POST.get("back") or request.GET.get("back") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    answer = render(request, "core/password_reset.html", {
        "account": account, "person": getattr(account, "person", None), "issued": issued, "back": back})
    answer["Cache-Control"] = "no-store"  # the one-time password is not kept by the browser either
    return answer


# --- approvals ------------------------------------------------------------------------------
@login_required
def approval_inbox(request):
    user = request.user
    status = request.GET.get("status", "")
    approvals = selectors.approval_list(fetched_by=user, status=status or None)
    page = Paginator(approvals, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "core/approval_inbox.html",
        {"awaiting": selectors.approvals_awaiting(fetched_by=user), "page": page, "status": status,
         "may_raise": rules.may_raise_approval(user)},
    )


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("sign", _("签署同意")), ("reject", _("驳回"))])
    role = forms.ChoiceField(choices=Role.choices, required=False)
    comment = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


@login_required
def approval_detail(request, approval_id: int):
    user = request.user
    approval = selectors.approval_get(fetched_by=user, approval_id=approval_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            service = services.approval_sign if form.cleaned_data["action"] == "sign" else services.approval_reject
            try:
                service(user, approval_id=approval.pk, role=form.cleaned_data["role"] or None,
                        comment=form.cleaned_data["comment"])
            except GongzhiError as exc:
                if exc.status == 404:
                    raise
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已记录您的意见"))
            if not request.htmx:
                return redirect("core:approval_detail", approval_id=approval.pk)
            approval = selectors.approval_get(fetched_by=user, approval_id=approval.pk)
        else:
            messages.error(request, _("提交的内容不完整 / The form is incomplete"))
    context = {
        "approval": approval,
        "signable": [(r, Role(r).label) for r in selectors.signable_roles(fetched_by=user, approval=approval)],
        "own_slots": [Role(r).label for r in selectors.own_request_roles(fetched_by=user, approval=approval)],
        "form": form,
    }
    if request.htmx:  # a signing from the page: the approval's panel and the messages, not the whole page
        return render(request, "core/_approval_answer.html", context)
    return render(request, "core/approval_detail.html", context)


class ApprovalForm(forms.Form):
    estate = forms.ModelChoiceField(queryset=None, label=_("小区"))
    title = forms.CharField(max_length=200, label=_("事由"))
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("说明"))
    roles = forms.MultipleChoiceField(
        choices=[(r.value, r.label) for r in Role if r in STAFF_ROLES],
        widget=forms.CheckboxSelectMultiple,
        label=_("需要签署的角色"),
        initial=[Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY, Role.DISCIPLINE_SUPERVISOR],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = scope_for(user).estates(STAFF_ROLES).order_by("name")


@login_required
def approval_new(request):
    user = request.user
    if not rules.may_raise_approval(user):
        raise PermissionDenied()
    form = ApprovalForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            approval = services.approval_create(
                user, estate_id=form.cleaned_data["estate"].pk, title=form.cleaned_data["title"],
                body=form.cleaned_data["body"], roles=form.cleaned_data["roles"],
            )
        except GongzhiError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("审批单已发起"))
            return redirect("core:approval_detail", approval_id=approval.pk)
    return render(request, "core/approval_new.html", {"form": form})


# --- audit trail ----------------------------------------------------------------------------
DATE_FORMAT = _("日期须写作 YYYY-MM-DD / A date is written YYYY-MM-DD")
ESTATE_NOT_IN_SCOPE = _("没有这个小区，或它不在您的查看范围内 / No such estate within what you may see")
UNKNOWN_AUDIT_ACTION = _("没有这种操作 / No such kind of action")
UNKNOWN_SUBJECT_TYPE = _("没有这种对象类型 / No such kind of record")


class AuditFilterForm(forms.Form):
    """The trail's filters; their names are the query the money pages link with:
    /audit/?estate=<id>&subject_type=<app.model>&subject_id=<id>&action=<code>&person=<name>&since=&until=."""

    person = forms.CharField(required=False, max_length=100, label=_("操作人姓名"))
    estate = forms.ModelChoiceField(queryset=None, required=False, label=_("小区"), empty_label=_("全部小区"),
                                    error_messages={"invalid_choice": ESTATE_NOT_IN_SCOPE})
    action = forms.CharField(required=False, max_length=64, label=_("操作"), widget=forms.Select)
    subject_type = forms.ChoiceField(required=False, label=_("对象类型"),
                                     error_messages={"invalid_choice": UNKNOWN_SUBJECT_TYPE})
    subject_id = forms.CharField(required=False, max_length=64, label=_("对象编号"))
    since = forms.DateField(required=False, label=_("起始日期"), input_formats=["%Y-%m-%d"],
                            error_messages={"invalid": DATE_FORMAT}, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label=_("截止日期"), input_formats=["%Y-%m-%d"],
                            error_messages={"invalid": DATE_FORMAT}, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(required=False, max_length=150, widget=forms.HiddenInput)  # a login name (older links)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = scope_for(user).estates(AUDIT_ROLES).order_by("name", "pk")
        self.fields["subject_type"].choices = [("", _("全部对象类型")), *subject_types()]
        actions = sorted(audit_actions().items())
        given = self.data.get("action", "") if self.is_bound else ""
        if given and given not in audit_actions() and audit_action_known(given):
            actions.append((given, audit_action_label(given)))  # a prefix or a back-office code from a link
        self.fields["action"].widget.choices = [("", _("全部操作")), *((code, str(label)) for code, label in actions)]

    def clean_action(self):
        action = self.cleaned_data["action"]
        if action and not audit_action_known(action):
            raise forms.ValidationError(UNKNOWN_AUDIT_ACTION)
        return action

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", selectors.AUDIT_SINCE_AFTER_UNTIL)
        return data

    def filters(self) -> dict:
        data = self.cleaned_data
        return {"person": data["person"], "actor": data["actor"], "action": data["action"],
                "subject_type": data["subject_type"], "subject_id": data["subject_id"],
                "estate_id": data["estate"].pk if data["estate"] else None,
                "since": data["since"], "until": data["until"]}


AUDIT_HEADERS = ["时间", "操作人", "角色", "操作", "对象类型", "对象编号", "对象", "小区", "字段", "修改前", "修改后"]
AUDIT_EXPORT_BATCH = 500  # rows read, masked and named together (a fixed handful of lookups per batch)


def _audit_entries(request):
    """The form, and the rows it selects; bad filters select nothing (and the form says why)."""
    if not scope_for(request.user).has_any(AUDIT_ROLES):
        raise PermissionDenied()
    form = AuditFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return form, AuditEntry.objects.none()
    return form, selectors.audit_list(fetched_by=request.user, **(form.filters() if form.is_bound else {}))


def _audit_rows(user, entries):
    """One spreadsheet row per changed field (one for a row that changed none), as the page shows it."""
    rows = entries.iterator(chunk_size=AUDIT_EXPORT_BATCH)
    while batch := list(islice(rows, AUDIT_EXPORT_BATCH)):
        for e in selectors.audit_out(fetched_by=user, entries=batch):
            head = [e.at_local, e.actor_display, e.roles_label, e.action_label, e.subject_type_label, e.subject_id,
                    e.subject_repr, e.place_name]
            for change in e.changes or [None]:
                yield head + ([change.label, change.before, change.after] if change else ["", "", ""])


@login_required
def audit_export(request):
    """The filtered trail as Excel (discipline supervisors work in spreadsheets), masked like the page."""
    form, entries = _audit_entries(request)
    if form.errors:
        return render(request, "core/audit_trail.html", {"form": form, "page": None}, status=400)
    return xlsx_stream("审计记录", AUDIT_HEADERS, _audit_rows(request.user, entries), "audit")


@login_required
def audit_trail(request):
    user = request.user
    form, entries = _audit_entries(request)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    page.object_list = selectors.audit_out(fetched_by=user, entries=page.object_list)
    return render(request, "core/audit_trail.html", {"form": form, "page": page})


# --- deliveries over SMS / WeChat ----------------------------------------------------------------------
DELIVERY_FILTERS = {"failed": _("发送失败"), "open": _("未送达"), "sent": _("已送达")}


@login_required
def deliveries(request):
    """The administrator's view of messages that did not get out over SMS or WeChat, to send them again."""
    user = request.user
    if request.method == "POST":
        attempt(request, lambda: services.delivery_retry(user, delivery_id=posted_id(request.POST.get("delivery")) or 0),
                _("已重新投递"))
        return redirect(f"{request.path}?{request.GET.urlencode()}" if request.GET else request.path)
    status = request.GET.get("status", "failed")
    status = status if status in DELIVERY_FILTERS else "failed"
    found = selectors.deliveries(fetched_by=user, status=status)
    return render(request, "core/deliveries.html", {
        "page": Paginator(found, 50).get_page(request.GET.get("page")), "status": status,
        "filters": DELIVERY_FILTERS.items()})
