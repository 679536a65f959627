"""Organisations: party organisations, autonomous bodies, companies, departments, partner units.

One table with a kind keeps memberships, agreements and scoping uniform; the glossary's names
(OwnersCommittee, PropertyCompany…) are proxy models over it. An organisation hangs at the
lowest place it belongs to (estate, community, subdistrict or district); the scope filter reads
that place.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.choices import (  # noqa: F401 — the choices are also read from here
    AUTONOMOUS_KINDS,
    COMPANY_KINDS,
    PARTY_KINDS,
    PLATFORM_KINDS,
    UNIT_KINDS,
    ContractOrigin,
    MemberRole,
    OrgKind,
    Responsibility,
)
from gongzhi.people.models import Person
from gongzhi.places.models import Community, District, Estate, InEstate, Subdistrict


class Organisation(models.Model):
    kind = models.CharField(_("类别"), max_length=40, choices=OrgKind.choices, db_index=True)
    name = models.CharField(_("名称"), max_length=120)
    district = models.ForeignKey(District, models.PROTECT, null=True, blank=True, verbose_name=_("区/县"))
    subdistrict = models.ForeignKey(Subdistrict, models.PROTECT, null=True, blank=True, verbose_name=_("街道"))
    community = models.ForeignKey(Community, models.PROTECT, null=True, blank=True, verbose_name=_("社区"))
    estate = models.ForeignKey(
        Estate, models.PROTECT, null=True, blank=True, related_name="organisations", verbose_name=_("小区")
    )
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级组织")
    )
    responsibilities = models.JSONField(_("职责类别"), default=list, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    term_start = models.DateField(_("本届任期开始"), null=True, blank=True)
    term_end = models.DateField(_("本届任期结束"), null=True, blank=True)
    active = models.BooleanField(_("有效"), default=True)
    # A platform (五大平台) serves some estates of its community or subdistrict.
    serves = models.ManyToManyField(Estate, blank=True, related_name="serving_platforms",
                                    verbose_name=_("服务的小区"))

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["estate", "kind"], name="org_estate_kind")]

    def __str__(self):
        return self.name

    def scope_ids(self) -> tuple[int | None, int | None]:
        if self.estate_id:
            return self.estate.scope_ids()
        return (None, self.community_id)


class KindManager(models.Manager):
    """Manager of a proxy model: only the organisations of one kind."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def get_queryset(self):
        return super().get_queryset().filter(kind=self.kind)


class OwnersAssembly(Organisation):
    KIND = OrgKind.OWNERS_ASSEMBLY
    objects = KindManager(KIND)

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = _("业主大会")


class OwnersCommittee(Organisation):
    KIND = OrgKind.OWNERS_COMMITTEE
    objects = KindManager(KIND)

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = _("业主委员会")


class PropertyManagementCommittee(Organisation):
    KIND = OrgKind.PROPERTY_MANAGEMENT_COMMITTEE
    objects = KindManager(KIND)

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = _("物业管理委员会")


class YardCommittee(Organisation):
    KIND = OrgKind.YARD_COMMITTEE
    objects = KindManager(KIND)

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = _("楼院自治委员会")


class SupervisoryCommittee(Organisation):
    KIND = OrgKind.SUPERVISORY_COMMITTEE
    objects = KindManager(KIND)

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = _("业主监督委员会")


class PropertyCompany(Organisation):
    KIND = OrgKind.PROPERTY_COMPANY
    objects = KindManager(KIND)

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = _("物业服务企业")


class CommunityServiceCompany(Organisation):
    KIND = OrgKind.COMMUNITY_SERVICE_COMPANY
    objects = KindManager(KIND)

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = _("社区为民服务公司")


class Department(Organisation):
    KIND = OrgKind.DEPARTMENT
    objects = KindManager(KIND)

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = _("成员单位")


class PartnerUnit(Organisation):
    KIND = OrgKind.PARTNER_UNIT
    objects = KindManager(KIND)

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = _("共建单位")


class Membership(models.Model):
    organisation = models.ForeignKey(
        Organisation, models.CASCADE, related_name="memberships", verbose_name=_("组织")
    )
    person = models.ForeignKey(Person, models.PROTECT, related_name="memberships", verbose_name=_("人员"))
    role = models.CharField(_("职务"), max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER)
    term_start = models.DateField(_("任期开始"), null=True, blank=True)
    term_end = models.DateField(_("任期结束"), null=True, blank=True)
    active = models.BooleanField(_("在任"), default=True)

    class Meta:
        verbose_name = _("组织成员")
        verbose_name_plural = _("组织成员")
        ordering = ["organisation", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person"], condition=Q(active=True), name="membership_one_active"
            )
        ]

    def __str__(self):
        return f"{self.organisation} · {self.person} ({self.get_role_display()})"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.organisation.scope_ids()


class ServiceContract(InEstate, models.Model):
    """Which company serves an estate, what it does, at what fee, and for how long. A renewal or a
    replacement (更换) is a new row pointing at the one it follows; the old row stays as history."""

    estate = models.ForeignKey(Estate, models.PROTECT, related_name="service_contracts", verbose_name=_("小区"))
    company = models.ForeignKey(
        Organisation, models.PROTECT, related_name="service_contracts", verbose_name=_("服务企业")
    )
    start = models.DateField(_("开始日期"), null=True, blank=True)
    end = models.DateField(_("结束日期"), null=True, blank=True)
    services = models.JSONField(_("服务内容"), default=list, blank=True)
    # 物业费标准 in fen per m² of registered area per month (1.20 元/m²/月 → 120).
    fee_fen_per_m2 = models.PositiveIntegerField(_("收费标准（分/m²/月）"), null=True, blank=True)
    fee_note = models.CharField(_("收费说明"), max_length=200, blank=True)
    origin = models.CharField(_("来源"), max_length=16, choices=ContractOrigin.choices, default=ContractOrigin.NEW)
    predecessor = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="successor", verbose_name=_("接续的合同")
    )

    class Meta:
        verbose_name = _("物业服务合同")
        verbose_name_plural = _("物业服务合同")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(start__isnull=True) | models.Q(end__gte=models.F("start")),
                name="service_contract_end_after_start",
                violation_error_message=_("合同结束日期不能早于开始日期 / A contract cannot end before it starts"),
            )
        ]

    def __str__(self):
        return f"{self.company} → {self.estate}"


class CoConstructionAgreement(models.Model):
    """党建共建协议 between a party organisation and a company, body, department or partner."""

    party_organisation = models.ForeignKey(
        Organisation, models.PROTECT, related_name="agreements", verbose_name=_("党组织")
    )
    partner = models.ForeignKey(
        Organisation, models.PROTECT, related_name="partner_agreements", verbose_name=_("共建方")
    )
    signed_on = models.DateField(_("签订日期"))
    expires_on = models.DateField(_("到期日期"), null=True, blank=True)
    content = models.TextField(_("共建内容"), blank=True)

    class Meta:
        verbose_name = _("党建共建协议")
        verbose_name_plural = _("党建共建协议")

    def __str__(self):
        return f"{self.party_organisation} ⇄ {self.partner}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.party_organisation.scope_ids()
