"""Every write of community life: spaces and bookings (services.spaces), activities, sign-ups and
check-in (services.activities), volunteer teams and hours (services.volunteers), 红色物业项目 with
pledges (services.projects), 挂点结对 (services.partners), advisers and their opinions (services.advisers)."""

from gongzhi.services.services.activities import (  # noqa: F401
    activity_checkin,
    activity_create,
    activity_report,
    activity_signup,
    attendance_mark,
    signup_cancel,
)
from gongzhi.services.services.advisers import advice_ask, advice_give, adviser_add, adviser_remove  # noqa: F401
from gongzhi.services.services.partners import pairing_create, pairing_end  # noqa: F401
from gongzhi.services.services.projects import (  # noqa: F401
    dispute_raise,
    dispute_settle,
    milestone_record,
    pledge_create,
    pledge_payment_record,
    project_close,
    project_consult,
    project_open,
)
from gongzhi.services.services.spaces import (  # noqa: F401
    booking_cancel,
    booking_create,
    booking_decide,
    space_create,
)
from gongzhi.services.services.volunteers import (  # noqa: F401
    hours_for_order,
    order_hours_confirm,
    volunteer_hours_confirm,
    volunteer_join,
    volunteer_team_create,
)
