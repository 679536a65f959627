"""The supervisor's desk: a discipline supervisor marks an alert reviewed, with a note of what they
found. The alert stays listed (under 已查看, with who, when and the note); the same condition on a
new record is a new alert."""

from django.db import IntegrityError, transaction

from gongzhi.core.audit import audit_record
from gongzhi.core.errors import PermissionDenied, WrongState
from gongzhi.core.text import clean_text
from gongzhi.finance import rules, selectors
from gongzhi.finance.choices import AuditAction
from gongzhi.finance.models import AlertReview
from gongzhi.places.models import Estate

NOTE_REQUIRED = "请填写查看备注 / Write a note of what you found"
NOTE_MAX = 2000
ALREADY_REVIEWED = "该预警已标记为已查看 / This alert is already marked reviewed"
NOT_REVIEWER = ("只有本小区的纪检监督员可以标记预警为已查看 / Only the estate's discipline supervisor marks an "
                "alert reviewed")


@transaction.atomic
def alert_review(actor, *, key: str, note: str) -> AlertReview:
    """Mark the alert `key` ("kind:record id") reviewed with a note: once, by a supervisor of its estate.
    An alert that does not stand now, or stands out of the user's sight, is not found (404)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(NOT_REVIEWER)
    alert = selectors.alert_get(fetched_by=actor, key=key)
    estate = Estate.objects.select_related("community").get(pk=alert.estate_id)
    if not rules.may_review_alert(actor, estate):
        raise PermissionDenied(NOT_REVIEWER)
    if alert.review is not None:
        raise WrongState(ALREADY_REVIEWED)
    note = clean_text(note, NOTE_MAX, NOTE_REQUIRED, field="note")
    try:
        with transaction.atomic():
            review = AlertReview.objects.create(kind=alert.kind, record_id=alert.record_id, estate=estate,
                                                text=alert.text[:300], note=note, reviewed_by=actor)
    except IntegrityError:  # two supervisors at once: the first one's review stands
        raise WrongState(ALREADY_REVIEWED) from None
    audit_record(actor, AuditAction.ALERT_REVIEW, review,
                 after={"alert": alert.key, "kind": alert.kind, "text": alert.text, "note": note})
    return review
