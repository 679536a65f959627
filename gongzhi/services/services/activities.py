"""Activities: publishing one (booking its space), sign-up with a waiting list (over capacity → waiting,
promoted in order when someone cancels), check-in at the door (the resident's phone opens the QR code
the organiser shows: a signed code valid for CHECKIN_CODE_MINUTES; or the organiser ticks names), the
short report afterwards."""

import datetime

from django.core import signing
from django.db import transaction
from django.urls import reverse

from gongzhi.core import clock, registry
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.files import Upload
from gongzhi.core.notifications import notify
from gongzhi.core.scoping import scope_for
from gongzhi.core.text import clean_text
from gongzhi.notices import services as notices
from gongzhi.services import rules
from gongzhi.services.choices import ActivityKind, AuditAction, SignupStatus
from gongzhi.services.models import Activity, ActivityPhoto, Pairing, Signup, Space
from gongzhi.services.services import photos as photo_files
from gongzhi.services.services import spaces

CHECKIN_CODE_MINUTES = 10
CHECKIN_OPENS_BEFORE = datetime.timedelta(hours=1)
CHECKIN_SALT = "gongzhi.services.checkin"

ORGANISER_ONLY = "只有社区、业委会、物业或网格员可以发布活动 / Only the community, committee, property company or grid workers publish activities"
RUN_ONLY = "只有活动组织者可以执行此操作 / Only the activity's organiser can do this"
TITLE_REQUIRED = "请填写活动名称 / Give the activity a title"
UNKNOWN_KIND = "未知的活动类别 / Unknown kind of activity"
PLACE_REQUIRED = "请选择场地或填写地点 / Choose a space or say where it is"
CAPACITY_RANGE = "名额须为 1 至 {n} 人 / Places are 1 to {n}"
OVER_SPACE = "名额超过“{space}”的容纳人数 {n} 人 / More places than {space} holds ({n})"
SPACE_ELSEWHERE = "该场地不属于本小区 / The space belongs to another estate"
STARTS_IN_PAST = "活动开始时间不能早于现在 / An activity cannot start in the past"
ENDS_BEFORE_START = "结束时间须晚于开始时间 / An activity ends after it starts"
SIGNUP_CLOSED = "活动“{title}”已开始或已结束，不能报名 / {title} has started or is over; sign-up is closed"
ALREADY_SIGNED = "您已报名“{title}” / You have already signed up for {title}"
NOT_SIGNED = "您没有报名“{title}” / You have not signed up for {title}"
CANCEL_TOO_LATE = "活动已开始，不能取消报名 / The activity has started; the sign-up cannot be cancelled"
CODE_BAD = "签到码无效，请重新扫描现场二维码 / The check-in code is not valid; scan the code at the door again"
CODE_EXPIRED = "签到码已过期，请重新扫描现场二维码 / The check-in code has expired; scan the code at the door again"
CHECKIN_NOT_YET = "签到将于 {opens} 开始 / Check-in opens at {opens}"
CHECKIN_OVER = "活动“{title}”已结束，不能签到 / {title} is over; check-in is closed"
ALREADY_IN = "您已签到“{title}” / You have already checked in to {title}"
TAKING_PART_ONLY = "只有本小区居民和工作人员可以参加 / Only the estate's residents and staff can take part"
TICK_UNKNOWN = "名单中有人未报名本活动 / Someone ticked has not signed up for this activity"
TICK_NONE = "请勾选到场人员 / Tick who came"
REPORT_REQUIRED = "请填写活动小结 / Write the report"
REPORT_TOO_EARLY = "活动结束后才能填写小结 / The report is written after the activity"
PAIRING_ELSEWHERE = "该结对单位未与本小区挂点结对 / This partner is not paired with the estate"
PAIRING_NOT_ON = "“{partner}”的挂点结对在活动当天不在有效期内 / {partner}'s pairing does not cover the day of the activity"
PAIRING_KIND = "“{partner}”结对承诺的服务不含“{kind}” / {partner}'s pairing does not include {kind}"
PHOTOS_MAX = 9
MAX_PLACES = 10_000


def _check_times(starts_at, ends_at) -> None:
    if ends_at <= starts_at:
        raise InvalidInput(ENDS_BEFORE_START, field="ends_at")
    if starts_at < clock.now():
        raise InvalidInput(STARTS_IN_PAST, field="starts_at")


@transaction.atomic
def activity_create(actor, *, estate_id: int, title: str, kind: str, starts_at: datetime.datetime,
                    ends_at: datetime.datetime, capacity: int, space_id: int | None = None, place: str = "",
                    description: str = "", partner_ids=(), pairing_id: int | None = None) -> Activity:
    """Publish an activity; with a space, the space is booked for it in the same transaction (the same
    rules as any booking: opening hours, no overlap; pending where the space needs another's approval).
    With a pairing (挂点结对) it is one of the services the paired unit brings: the pairing is the estate's,
    runs on the activity's day and lists its kind; its unit is among the activity's partners."""
    estate = estate_for(actor, estate_id, roles=rules.ACTIVITY_ORGANISER_ROLES, denied=ORGANISER_ONLY)
    title = clean_text(title, 100, TITLE_REQUIRED, field="title")
    if kind not in ActivityKind.values:
        raise InvalidInput(UNKNOWN_KIND, field="kind")
    if not 1 <= capacity <= MAX_PLACES:
        raise InvalidInput(CAPACITY_RANGE.format(n=MAX_PLACES), field="capacity")
    starts_at, ends_at = clock.aware(starts_at), clock.aware(ends_at)
    _check_times(starts_at, ends_at)
    place = clean_text(place, 100, field="place")
    space = booking = None
    if space_id is not None:
        space = Space.objects.select_related("estate__community__subdistrict").filter(pk=space_id).first()
        if space is None or space.estate_id != estate.pk:
            raise InvalidInput(SPACE_ELSEWHERE, field="space_id")
        if capacity > space.capacity:
            raise InvalidInput(OVER_SPACE.format(space=space.name, n=space.capacity), field="capacity")
        booking = spaces.book(actor, space, starts_at=starts_at, ends_at=ends_at, purpose=title)
    elif not place:
        raise InvalidInput(PLACE_REQUIRED, field="place")
    partners = list(scope_for(actor).organisations().filter(pk__in=list(partner_ids)))
    if len(partners) != len(set(partner_ids)):
        raise NotFound(field="partner_ids")
    pairing = _pairing(estate, pairing_id, kind, starts_at) if pairing_id is not None else None
    if pairing is not None and pairing.partner not in partners:
        partners.append(pairing.partner)
    activity = Activity.objects.create(
        estate=estate, title=title, kind=kind, space=space, booking=booking, place=place or space.name,
        starts_at=starts_at, ends_at=ends_at, capacity=capacity, organiser=actor, pairing=pairing,
        description=clean_text(description, 2000, field="description"), created_at=clock.now())
    activity.partners.set(partners)
    audit_record(actor, AuditAction.ACTIVITY_CREATE, activity, after=snapshot(activity))
    return activity


def _pairing(estate, pairing_id: int, kind: str, starts_at) -> Pairing:
    pairing = Pairing.objects.select_related("partner").filter(pk=pairing_id, estate=estate).first()
    if pairing is None:
        raise InvalidInput(PAIRING_ELSEWHERE, field="pairing_id")
    if not pairing.on(clock.local_date(starts_at)):
        raise InvalidInput(PAIRING_NOT_ON.format(partner=pairing.partner.name), field="pairing_id")
    if pairing.services and kind not in pairing.services:
        raise InvalidInput(PAIRING_KIND.format(partner=pairing.partner.name, kind=ActivityKind(kind).label),
                           field="kind")
    return pairing


def _visible(actor, activity_id, *, lock: bool = False) -> Activity:
    visible = object_for(actor, Activity.objects.all(), activity_id, roles=rules.TAKING_PART_ROLES,
                         denied=TAKING_PART_ONLY)
    qs = Activity.objects.select_related("estate__community__subdistrict")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=visible.pk)


def confirmed_count(activity: Activity) -> int:
    return activity.signups.filter(status=SignupStatus.CONFIRMED).count()


@transaction.atomic
def activity_signup(actor, *, activity_id: int) -> Signup:
    """A place if one is left, else the next place on the waiting list (the activity's row is locked, so
    two people signing up for the last place get one place and one waiting)."""
    activity = _visible(actor, activity_id, lock=True)
    if activity.starts_at <= clock.now():
        raise WrongState(SIGNUP_CLOSED.format(title=activity.title))
    signup = Signup.objects.filter(activity=activity, user=actor).first()
    if signup is not None and signup.status != SignupStatus.CANCELLED:
        raise WrongState(ALREADY_SIGNED.format(title=activity.title))
    status = SignupStatus.CONFIRMED if confirmed_count(activity) < activity.capacity else SignupStatus.WAITING
    if signup is None:
        signup = Signup(activity=activity, user=actor)
    signup.status, signup.signed_up_at, signup.reminded_at = status, clock.now(), None
    signup.save()
    audit_record(actor, AuditAction.SIGNUP_CREATE, signup, after=snapshot(signup, ["status"]))
    return signup


def waiting_position(signup: Signup) -> int:
    """1 for the first on the waiting list."""
    return Signup.objects.filter(activity_id=signup.activity_id, status=SignupStatus.WAITING,
                                 signed_up_at__lte=signup.signed_up_at).exclude(
        signed_up_at=signup.signed_up_at, pk__gt=signup.pk).count()


@transaction.atomic
def signup_cancel(actor, *, activity_id: int) -> Signup:
    """Cancel one's own sign-up before the start; a freed place goes to the first on the waiting list."""
    activity = _visible(actor, activity_id, lock=True)
    signup = Signup.objects.filter(activity=activity, user=actor).exclude(status=SignupStatus.CANCELLED).first()
    if signup is None:
        raise WrongState(NOT_SIGNED.format(title=activity.title))
    if activity.starts_at <= clock.now():
        raise WrongState(CANCEL_TOO_LATE)
    was = signup.status
    signup.status = SignupStatus.CANCELLED
    signup.save(update_fields=["status"])
    audit_record(actor, AuditAction.SIGNUP_CANCEL, signup, before={"status": was}, after={"status": signup.status})
    if was == SignupStatus.CONFIRMED:
        _promote(actor, activity)
    return signup


def _promote(actor, activity: Activity) -> None:
    first = (Signup.objects.filter(activity=activity, status=SignupStatus.WAITING)
             .order_by("signed_up_at", "pk").first())
    if first is None or confirmed_count(activity) >= activity.capacity:
        return
    first.status = SignupStatus.CONFIRMED
    first.save(update_fields=["status"])
    audit_record(actor, AuditAction.SIGNUP_PROMOTE, first, before={"status": SignupStatus.WAITING},
                 after={"status": first.status})
    notify([first.user_id], title=f"候补成功：{activity.title}",
           body=clock.stamp(activity.starts_at), link=reverse("services:activity_detail", args=[activity.pk]))


def checkin_code(activity: Activity) -> str:
    """The signed code the organiser's QR carries: the activity and the instant it was shown, by the one
    clock (its age is checked on use, so a photo of the code passed on stops working)."""
    return signing.Signer(salt=CHECKIN_SALT).sign(f"{activity.pk}.{int(clock.now().timestamp())}")


def _check_code(activity: Activity, code: str) -> None:
    try:
        value = signing.Signer(salt=CHECKIN_SALT).unsign(code or "")
    except signing.BadSignature as exc:
        raise InvalidInput(CODE_BAD, field="code") from exc
    pk, _dot, shown = value.partition(".")
    if pk != str(activity.pk) or not shown.isdigit():
        raise InvalidInput(CODE_BAD, field="code")
    if clock.now().timestamp() - int(shown) > CHECKIN_CODE_MINUTES * 60:
        raise InvalidInput(CODE_EXPIRED, field="code")


def check_open_for_checkin(activity: Activity) -> None:
    now = clock.now()
    if now >= activity.ends_at:
        raise WrongState(CHECKIN_OVER.format(title=activity.title))
    if now < activity.starts_at - CHECKIN_OPENS_BEFORE:
        raise WrongState(CHECKIN_NOT_YET.format(opens=clock.stamp(activity.starts_at - CHECKIN_OPENS_BEFORE)))


@transaction.atomic
def activity_checkin(actor, *, activity_id: int, code: str) -> Signup:
    """The resident's phone opened the QR code at the door: checked in (one who came without signing up
    is counted too: attendance is who came)."""
    activity = _visible(actor, activity_id, lock=True)
    _check_code(activity, code)
    check_open_for_checkin(activity)
    signup = Signup.objects.filter(activity=activity, user=actor).first()
    if signup is not None and signup.checked_in_at is not None and signup.status == SignupStatus.CONFIRMED:
        raise WrongState(ALREADY_IN.format(title=activity.title))
    now = clock.now()
    if signup is None:
        signup = Signup(activity=activity, user=actor, signed_up_at=now)
    signup.status, signup.checked_in_at, signup.checked_in_by = SignupStatus.CONFIRMED, now, actor
    signup.save()
    audit_record(actor, AuditAction.SIGNUP_CHECKIN, signup, after={"checked_in_at": now.isoformat()})
    registry.completed("activity_attended", signup, actor=actor)  # e.g. a party member's points
    return signup


@transaction.atomic
def attendance_mark(actor, *, activity_id: int, user_ids: list[int]) -> list[Signup]:
    """The organiser ticks who came, from the list of those signed up."""
    activity = _visible(actor, activity_id, lock=True)
    if not rules.may_run_activity(actor, activity):
        raise PermissionDenied(RUN_ONLY)
    check_open_for_checkin(activity)
    if not user_ids:
        raise InvalidInput(TICK_NONE, field="user_ids")
    signups = list(Signup.objects.filter(activity=activity, user_id__in=user_ids,
                                         status__in=(SignupStatus.CONFIRMED, SignupStatus.WAITING)))
    if len(signups) != len(set(user_ids)):
        raise InvalidInput(TICK_UNKNOWN, field="user_ids")
    now = clock.now()
    for signup in signups:
        if signup.checked_in_at is None or signup.status != SignupStatus.CONFIRMED:
            signup.status, signup.checked_in_at, signup.checked_in_by = SignupStatus.CONFIRMED, now, actor
            signup.save(update_fields=["status", "checked_in_at", "checked_in_by"])
            audit_record(actor, AuditAction.SIGNUP_CHECKIN, signup, after={"checked_in_at": now.isoformat()})
            registry.completed("activity_attended", signup, actor=actor)
    return signups


def activity_report(actor, *, activity_id: int, report: str, publish: bool = False,
                    photos: list[Upload] | None = None) -> Activity:
    """The short report after the activity, with its attendance and photos (at most PHOTOS_MAX in all);
    published in the estate's log if wanted, the photos attached."""
    seen = _visible(actor, activity_id)
    if not rules.may_run_activity(actor, seen):
        raise PermissionDenied(RUN_ONLY)
    ready = photo_files.checked(photos, held=seen.photos.count(), most=PHOTOS_MAX)  # decoding: before the transaction
    with photo_files.files_removed_on_failure() as written, transaction.atomic():
        activity = _visible(actor, activity_id, lock=True)
        if not rules.may_run_activity(actor, activity):
            raise PermissionDenied(RUN_ONLY)
        if clock.now() < activity.ends_at:
            raise WrongState(REPORT_TOO_EARLY)
        before = snapshot(activity, ["report"])
        activity.report = clean_text(report, 2000, REPORT_REQUIRED, field="report")
        activity.reported_at = clock.now()
        activity.save(update_fields=["report", "reported_at"])
        if ready:
            photo_files.checked([], held=activity.photos.count() + len(ready), most=PHOTOS_MAX)  # added meanwhile?
        added = photo_files.save(ActivityPhoto, {"activity": activity}, ready, actor, written)
        audit_record(actor, AuditAction.ACTIVITY_REPORT, activity, before=before,
                     after=snapshot(activity, ["report"]) | {"photos_added": len(added)})
        if publish:
            came = activity.signups.filter(status=SignupStatus.CONFIRMED, checked_in_at__isnull=False).count()
            attached = [Upload(f"{activity.title[:40]}-{i}.jpg", _read(p)) for i, p in
                        enumerate(activity.photos.order_by("pk"), start=1)]
            notices.notice_publish(actor, estate_id=activity.estate_id, kind="announcement", audience="estate",
                                   title=f"活动小结：{activity.title}"[:200], attachments=attached,
                                   body=f"{clock.stamp(activity.starts_at)}，{activity.place}，参加 {came} 人次。{activity.report}")
    return activity


def _read(photo) -> bytes:
    with photo.file.open("rb") as f:
        return f.read()
