"""Every write on residents' requests and 三单制 orders, by sub-domain:

- intake: filing a request from any channel and routing it (`request_submit`, `Intake`);
- handling: 受理 and 办结 at the current level (`request_respond`, `request_resolve`);
- escalation: 呼叫 one level up, by hand or by the deadline job (`request_call_up`);
- summons: 吹哨报到 (`request_summon`, `summons_report`, `summons_act`);
- closing: the requester's confirmation, rating or reopening (`request_confirm`, `request_reopen`);
- photos: checked and stored with the change that carries them;
- routes: a community's routing table (`route_set`);
- clients: Open311 client keys (`open311_key_issue`);
- orders: 点单 → 派单 → 接单 (`order_place`, `order_dispatch`, `order_accept`, ...);
- devices: the estates' smart devices and their signed events (`device_register`, `device_event_receive`, ...).

Each function takes the acting user first (None: the system — the deadline job, Open311 intake),
checks the rule (requests.rules), runs in one transaction with the row locked, appends to the
timeline, writes the audit trail and notifies the next people only after the change commits.
The periodic work (escalating overdue requests, closing unconfirmed ones, returning orders,
flagging departments) is requests.jobs.
"""

from gongzhi.requests.services.clients import open311_key_issue
from gongzhi.requests.services.closing import request_confirm, request_reopen
from gongzhi.requests.services.devices import (
    device_event_receive,
    device_register,
    device_secret_reset,
    device_update,
)
from gongzhi.requests.services.escalation import request_call_up
from gongzhi.requests.services.handling import request_resolve, request_respond
from gongzhi.requests.services.intake import Intake, request_submit
from gongzhi.requests.services.orders import order_accept, order_complete, order_dispatch, order_place, order_rate
from gongzhi.requests.services.photos import PHOTOS_MAX, check_photos
from gongzhi.requests.services.routes import route_set
from gongzhi.requests.services.summons import request_summon, summons_act, summons_report

__all__ = [
    "PHOTOS_MAX", "Intake", "check_photos", "device_event_receive", "device_register", "device_secret_reset",
    "device_update", "open311_key_issue", "order_accept", "order_complete", "order_dispatch",
    "order_place", "order_rate", "request_call_up", "request_confirm", "request_reopen", "request_resolve",
    "request_respond", "request_submit", "request_summon", "route_set", "summons_act", "summons_report",
]
