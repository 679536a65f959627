"""Writes of joint deliberation, by sub-domain: meetings (plan, open, sign in, decide), minutes and
action items, matters and their procedures, bids and deliveries. Every function takes the acting
user first, checks the rule for the estate (meetings.rules), runs in one transaction with the row
lock that matters, and leaves an audit record. The names are re-exported here for callers of the
old single module."""

from gongzhi.meetings.services.bids import (  # noqa: F401
    NOT_A_BID_STEP,
    bid_add,
    bid_choose,
    delivery_set,
)
from gongzhi.meetings.services.matters import (  # noqa: F401
    BAD_AMOUNT,
    CANNOT_BACK,
    CANNOT_END,
    DECISION_SAYS,
    DELIVERY_OPEN,
    MAJOR_NEEDS_JOINT,
    MAJOR_PROCEDURE,
    MATTER_FINISHED,
    NEEDS_MEETING,
    NEEDS_VOTE,
    NO_DECISION,
    NO_DELIVERIES,
    NOT_YOUR_STEP,
    STEP_AUDIT,
    TITLE_REQUIRED,
    TOO_FEW_BIDS,
    UNKNOWN_PROCEDURE,
    UNKNOWN_SOURCE,
    VOTE_NOT_CLOSED,
    VOTE_SAYS,
    WRONG_MEETING_TYPE,
    WRONG_STEP,
    current_step,
    matter_create,
    matter_step,
    organised_matter,
    procedure_for,
)
from gongzhi.meetings.services.meetings import (  # noqa: F401
    ALREADY_DECIDED,
    ALREADY_OPEN,
    BAD_COUNTS,
    BAD_REPEAT,
    MEETING_CLOSED_ALREADY,
    MEETING_NOT_OPEN,
    NO_PERSON,
    NOT_CONVENER,
    NOT_IMMEDIATE,
    NOT_ON_AGENDA,
    UNKNOWN_PARTY,
    UNKNOWN_TYPE,
    add_months,
    decision_record,
    is_convener,
    meeting_open,
    meeting_plan,
    sign_in,
)
from gongzhi.meetings.services.minutes import (  # noqa: F401
    ACTION_DUE_PAST,
    NO_MINUTES,
    NOT_AN_ATTENDEE,
    action_add,
    action_done,
    meeting_close,
    minutes_approve,
    minutes_approved,
)
