"""The shared multi-party sign-off (审批单): roles, scope, double signatures, rejection, races."""


import re

import pytest
from django.contrib.auth import get_user_model

from gongzhi.core import registry, services
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import Approval, ApprovalStatus, AuditEntry
from gongzhi.core.roles import Role
from gongzhi.people.services import role_assign
from tests.helpers import PACIFIC, YIWU, estate, race

SEAL = [Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY, Role.DISCIPLINE_SUPERVISOR]


@pytest.fixture
def approval(persona):
    # raised by a committee member: the requester never signs, so the chair can
    return services.approval_create(persona("weiyuan"), estate_id=estate(PACIFIC).pk, title="使用公章", roles=SEAL)


def test_all_sign_then_complete_and_subject_told(persona, approval):
    told = []
    general = registry.approval_kind("general")
    registry.register_approval_kind("general", general.label, on_decided=told.append)
    try:
        services.approval_sign(persona("zhaozhuren"), approval_id=approval.pk, role=Role.COMMITTEE_CHAIR)
        services.approval_sign(persona("yanshuji"), approval_id=approval.pk)
        assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.PENDING and not told
        done = services.approval_sign(persona("sunjiancha"), approval_id=approval.pk, comment="票据齐全")
    finally:
        registry.register_approval_kind("general", general.label)
    assert done.status == ApprovalStatus.APPROVED and done.decided_at is not None
    assert told == [done]
    actions = list(AuditEntry.objects.filter(subject_id__in=[str(approval.pk)], subject_type="core.approval")
                   .values_list("action", flat=True))
    assert "approval.create" in actions and "approval.approved" in actions


def test_wrong_role_refused(persona, approval):
    with pytest.raises(PermissionDenied) as exc:
        services.approval_sign(persona("chen"), approval_id=approval.pk, role=Role.COMMITTEE_CHAIR)
    assert exc.value.message == services.APPROVAL_NOT_YOUR_ROLE.format(role=Role.COMMITTEE_CHAIR.label)


def test_role_held_in_another_estate_does_not_count(persona, approval):
    # 李静 is a community secretary — of 安和苑社区, not of 明福社区 where 太平洋花园 lies: cannot even see it.
    with pytest.raises(NotFound):
        services.approval_sign(persona("lijing"), approval_id=approval.pk, role=Role.COMMUNITY_SECRETARY)


def test_nobody_signs_twice(persona, approval):
    zhao = persona("zhaozhuren")
    # give 赵 a second required role: she still may sign only once
    role_assign(None, user_id=zhao.pk, role=Role.DISCIPLINE_SUPERVISOR, anchor_field="estate",
                anchor_id=estate(PACIFIC).pk)
    zhao = get_user_model().objects.get(pk=zhao.pk)
    services.approval_sign(zhao, approval_id=approval.pk, role=Role.COMMITTEE_CHAIR)
    with pytest.raises(WrongState) as exc:
        services.approval_sign(zhao, approval_id=approval.pk, role=Role.DISCIPLINE_SUPERVISOR)
    assert exc.value.message == services.APPROVAL_ALREADY_SIGNED


def test_same_role_twice_refused(persona, approval):
    services.approval_sign(persona("yanshuji"), approval_id=approval.pk)
    other = get_user_model().objects.create_user("second-secretary", password="x")
    role_assign(None, user_id=other.pk, role=Role.COMMUNITY_SECRETARY, anchor_field="community",
                anchor_id=estate(PACIFIC).community_id)
    with pytest.raises(WrongState):
        services.approval_sign(other, approval_id=approval.pk, role=Role.COMMUNITY_SECRETARY)


def test_rejection_ends_it(persona, approval):
    with pytest.raises(InvalidInput):
        services.approval_reject(persona("yanshuji"), approval_id=approval.pk, comment="  ")
    services.approval_reject(persona("yanshuji"), approval_id=approval.pk, comment="合同金额不符")
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.REJECTED
    with pytest.raises(WrongState):
        services.approval_sign(persona("zhaozhuren"), approval_id=approval.pk, role=Role.COMMITTEE_CHAIR)


def test_create_validates(persona):
    zhao = persona("zhaozhuren")
    with pytest.raises(InvalidInput):
        services.approval_create(zhao, estate_id=estate(PACIFIC).pk, title="x", roles=[])
    with pytest.raises(InvalidInput):
        services.approval_create(zhao, estate_id=estate(PACIFIC).pk, title="x", roles=["mayor"])
    with pytest.raises(InvalidInput):
        services.approval_create(zhao, estate_id=estate(PACIFIC).pk, title="x", roles=[Role.AUDITOR, Role.AUDITOR])
    unknown = services.APPROVAL_UNKNOWN_KIND.format(kind="lunch")
    with pytest.raises(InvalidInput, match=re.escape(unknown)):  # a kind no app declared
        services.approval_create(zhao, estate_id=estate(PACIFIC).pk, title="x", roles=[Role.AUDITOR], kind="lunch")
    with pytest.raises(NotFound):
        services.approval_create(zhao, estate_id=estate(YIWU).pk, title="x", roles=[Role.AUDITOR])
    with pytest.raises(NotFound):  # residents don't raise approvals
        services.approval_create(persona("wangayi"), estate_id=estate(YIWU).pk, title="x", roles=[Role.AUDITOR])


def test_api_sign_flow(login, approval):
    client = login("yanshuji")
    response = client.post(f"/api/v1/approvals/{approval.pk}/sign", {"comment": "同意"},
                           content_type="application/json")
    assert response.status_code == 200
    sig = {s["role"]: s for s in response.json()["signatures"]}
    assert sig[Role.COMMUNITY_SECRETARY]["decision"] == "signed"
    again = client.post(f"/api/v1/approvals/{approval.pk}/sign", {}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["detail"] == services.APPROVAL_ALREADY_SIGNED
    unknown = client.post(f"/api/v1/approvals/{approval.pk}/sign", {"colour": "red"}, content_type="application/json")
    assert unknown.status_code == 422


def test_inbox_page_and_sign_by_form(login, approval):
    client = login("sunjiancha")
    inbox = client.get("/approvals/").content.decode()
    assert "使用公章" in inbox
    response = client.post(f"/approvals/{approval.pk}/", {"action": "sign", "role": Role.DISCIPLINE_SUPERVISOR})
    assert response.status_code == 302
    assert approval.signatures.get(role=Role.DISCIPLINE_SUPERVISOR).decision == "signed"
    response = client.post(f"/approvals/{approval.pk}/", {"action": "sign", "role": Role.DISCIPLINE_SUPERVISOR},
                           follow=True)
    assert services.APPROVAL_ALREADY_SIGNED in response.content.decode()


def test_signing_from_the_page_with_htmx_answers_the_panel_and_the_message(login, approval):
    """The page signs in place (htmx): the answer is the approval's panel with its new state and the
    message for the live region; without JavaScript the same post redirects (above)."""
    client = login("sunjiancha")
    page = client.get(f"/approvals/{approval.pk}/").content.decode()
    assert 'hx-post="/approvals/' in page and 'id="approval"' in page
    answer = client.post(f"/approvals/{approval.pk}/", {"action": "sign", "role": Role.DISCIPLINE_SUPERVISOR},
                         HTTP_HX_REQUEST="true")
    text = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in text
    assert text.lstrip().startswith('<div id="approval">') and 'hx-swap-oob="true"' in text
    assert "已记录您的意见" in text
    assert "孙卫东" in text  # the signature, now in the panel
    assert "签署同意" not in text  # nothing left for this signer to sign
    assert approval.signatures.get(role=Role.DISCIPLINE_SUPERVISOR).decision == "signed"
    again = client.post(f"/approvals/{approval.pk}/", {"action": "sign", "role": Role.DISCIPLINE_SUPERVISOR},
                        HTTP_HX_REQUEST="true").content.decode()
    assert 'class="error"' in again and 'role="alert"' in again


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_signatures_at_the_same_moment_are_both_kept(world, persona):
    pacific = estate(PACIFIC)
    approval = services.approval_create(persona("zhaozhuren"), estate_id=pacific.pk, title="并发", roles=SEAL[1:])
    yan, sun = persona("yanshuji"), persona("sunjiancha")
    results = race([
        lambda: services.approval_sign(yan, approval_id=approval.pk),
        lambda: services.approval_sign(sun, approval_id=approval.pk),
    ])
    assert all(isinstance(r, Approval) for r in results), results
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    assert approval.signatures.filter(decision="signed").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_person_racing_two_roles_signs_once(world, persona):
    pacific = estate(PACIFIC)
    zhao = persona("zhaozhuren")
    role_assign(None, user_id=zhao.pk, role=Role.DISCIPLINE_SUPERVISOR, anchor_field="estate", anchor_id=pacific.pk)
    approval = services.approval_create(persona("weiyuan"), estate_id=pacific.pk, title="并发", roles=SEAL)

    def sign(role):
        return lambda: services.approval_sign(get_user_model().objects.get(pk=zhao.pk), approval_id=approval.pk,
                                              role=role)

    results = race([sign(Role.COMMITTEE_CHAIR), sign(Role.DISCIPLINE_SUPERVISOR)])
    assert sum(isinstance(r, Approval) for r in results) == 1
    assert sum(isinstance(r, WrongState) for r in results) == 1
    assert approval.signatures.filter(signer=zhao).count() == 1


def test_raise_approval_on_the_web(login):
    assert login("wangayi").get("/approvals/new/").status_code == 403
    client = login("zhaozhuren")
    form = client.get("/approvals/new/")
    assert YIWU not in form.content.decode()  # only estates where she acts
    response = client.post("/approvals/new/", {
        "estate": estate(PACIFIC).pk, "title": "维修基金使用：3号楼屋面防水",
        "roles": [Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY]})
    assert response.status_code == 302
    created = Approval.objects.get(title="维修基金使用：3号楼屋面防水")
    assert list(created.signatures.values_list("role", flat=True)) == [Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY]
    refused = client.post("/approvals/new/", {"estate": estate(YIWU).pk, "title": "x", "roles": [Role.AUDITOR]})
    assert refused.status_code == 200 and not Approval.objects.filter(title="x").exists()


def test_resident_inbox_is_empty(login):
    page = login("wangayi").get("/approvals/")
    assert page.status_code == 200
    assert list(page.context["page"]) == []


# --- nobody signs what they asked for --------------------------------------------------------------------
@pytest.fixture
def own(persona):
    """An approval raised by the committee chair who also holds every slot's role on it."""
    zhao = persona("zhaozhuren")
    for role in (Role.COMMUNITY_SECRETARY, Role.DISCIPLINE_SUPERVISOR):
        role_assign(None, user_id=zhao.pk, role=role, anchor_field="estate", anchor_id=estate(PACIFIC).pk)
    zhao = get_user_model().objects.get(pk=zhao.pk)
    return zhao, services.approval_create(zhao, estate_id=estate(PACIFIC).pk, title="自己的申请", roles=SEAL)


@pytest.mark.parametrize("role", SEAL)
@pytest.mark.parametrize("decide", ["sign", "reject"])
def test_the_requester_is_excluded_from_every_slot(own, role, decide):
    zhao, approval = own
    service = services.approval_sign if decide == "sign" else services.approval_reject
    with pytest.raises(PermissionDenied) as refused:
        service(zhao, approval_id=approval.pk, role=role, comment="同意")
    assert refused.value.message == services.APPROVAL_OWN_REQUEST
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING
    assert not approval.signatures.filter(signer__isnull=False).exists()


def test_the_requester_without_naming_a_role_is_refused_too(own):
    zhao, approval = own
    with pytest.raises(PermissionDenied) as refused:
        services.approval_sign(zhao, approval_id=approval.pk)
    assert refused.value.message == services.APPROVAL_OWN_REQUEST


def test_the_requester_sees_no_form_but_is_told_why(own):
    from gongzhi.core import selectors

    zhao, approval = own
    assert selectors.signable_roles(fetched_by=zhao, approval=approval) == []
    assert selectors.own_request_roles(fetched_by=zhao, approval=approval) == SEAL
    assert approval.pk not in [a.pk for a in selectors.approvals_awaiting(fetched_by=zhao)]


def test_the_requesters_page_says_another_holder_must_sign(client, own):
    zhao, approval = own
    client.force_login(zhao)
    page = client.get(f"/approvals/{approval.pk}/").content.decode()
    assert 'data-testid="own-request"' in page and "业委会主任" in page
    assert 'value="sign"' not in page


def test_others_sign_what_the_requester_may_not(persona, own):
    _zhao, approval = own
    services.approval_sign(persona("yanshuji"), approval_id=approval.pk)
    services.approval_sign(persona("sunjiancha"), approval_id=approval.pk)
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.PENDING  # the chair's slot waits


@pytest.mark.parametrize("who, offered", [("wangayi", False), ("lixiansheng", False), ("dangyuan", False),
                                          ("zhaozhuren", True), ("yanshuji", True), ("wangjingli", True)])
def test_the_inbox_offers_a_new_approval_only_to_who_may_raise_one(login, who, offered):
    client = login(who)
    assert ("发起审批单" in client.get("/approvals/").content.decode()) is offered
    assert client.get("/approvals/new/").status_code == (200 if offered else 403)
