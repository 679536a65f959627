"""The world of the cross-scope probe (tests/core/test_cross_scope.py): four places foreign to the
demo's personas, each holding one object of every kind a GET operation or a page takes an id of.

The foreign places sit at every distance from the demo's 义乌城小区 and 太平洋花园: a new estate in
明福社区 (another estate of the same community), an estate of a new community of 光华路街道, one of a
new subdistrict of 文峰区, one of a new district. Their objects are copies of the demo's own rows of
that kind (a request, a vote, a seal use …), made by following the row's links: whatever the row
hangs from that belongs to an estate (its building, its vote, its approval) is copied into the foreign
estate too, the people on it are a foreign user, and its text carries MARK and the place, so any
response that shows it can be caught by its text alone. A kind the demo has none of is made with its
required fields. A URL parameter names its model (`vote_id` → Vote); one that does not goes in ALIASES
(`use_id` → SealUse), and until it does the probe fails for that operation rather than skip it.
"""

import datetime
import itertools
import re
import uuid

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from gongzhi.core.masking import _FREE_TEXT, _digits
from gongzhi.core.roles import Role
from gongzhi.people.models import Ownership, Person, RoleAssignment
from gongzhi.places.models import Community, District, Estate, Subdistrict

MARK = "外域XS"
LEVELS = ("estate", "community", "subdistrict", "district")
# URL parameter -> model, where the parameter is not the model's name
ALIASES = {"use": "finance.SealUse", "payment": "finance.FeePayment", "attachment": "notices.NoticeAttachment"}
# The text fields a copied row carries the mark in (what a page or an answer shows of it).
MARKED = {"name", "title", "description", "body", "purpose", "place_text", "minutes", "done_note", "resolution_note",
          "payee", "place", "responsibilities", "summary", "memo", "statement", "document", "counterparty",
          "contact_name", "satisfaction_comment", "issuer", "note"}
# Copies that would be public by design made private: a public notice is for anyone (no login needed).
OVERRIDES = {"notices.Notice": {"audience": "estate"}}
SHARED = {"estate": ("community_id", "subdistrict_id", "district_id"), "community": ("subdistrict_id", "district_id"),
          "subdistrict": ("district_id",), "district": ()}
SOURCE_ESTATES = ("太平洋花园", "义乌城小区")
_counter = itertools.count(1)

# Numbers typed into free text by residents and handlers (issue 23): found in full by the probe
# anywhere a role outside PHONE_ROLES / ID_NUMBER_ROLES would read them.
TYPED_PHONE, TYPED_ID = "+86 138 1234 5678", "410502196302187215"
TYPED = f"请联系王秀兰 {TYPED_PHONE}，身份证{TYPED_ID}"


_DIGESTS = re.compile(r"(?=[A-Za-z0-9+/=_-]*[A-Za-z])[A-Za-z0-9+/=_-]{32,}")


def numbers_in(text: str) -> tuple[set[str], set[str]]:
    """The mobiles and 18-digit ID numbers shown unmasked in a response body (core.masking's patterns)."""
    mobiles, ids = set(), set()
    # Hashes and signatures (hex, base64) are long runs of letters and digits in which eleven digits in a row
    # happen by chance: they are not numbers anyone could dial.
    text = _DIGESTS.sub(" ", text)
    for match in _FREE_TEXT.finditer(text):
        if match.group("mobile"):
            mobiles.add(_digits(match.group("mobile")))
        elif match.group("id"):
            ids.add(_digits(match.group("id")))
    return mobiles, ids


def model_for(param: str):
    """The model a URL parameter names (`request_id` → requests.Request), or None."""
    name = re.sub(r"_id$", "", param)
    if name in ALIASES:
        return apps.get_model(ALIASES[name])
    found = [m for m in apps.get_models() if m._meta.model_name == name.replace("_", "")]
    return found[0] if len(found) == 1 else None


def _estate_path(model, depth=0) -> str | None:
    """The lookup from a row of `model` to the estate it belongs to (`estate`, `vote__estate` …)."""
    fields = {f.name: f for f in model._meta.concrete_fields}
    if "estate" in fields and fields["estate"].related_model is Estate:
        return "estate"
    if depth >= 3:
        return None
    for f in model._meta.concrete_fields:
        if f.is_relation and f.related_model not in (model, get_user_model()) and f.related_model._meta.app_label != "contenttypes":
            inner = _estate_path(f.related_model, depth + 1)
            if inner:
                return f"{f.name}__{inner}"
    return None


class ForeignPlace:
    def __init__(self, level: str, estate: Estate, user):
        self.level, self.estate, self.user = level, estate, user
        self.community = estate.community
        self.objects: dict[str, int] = {}  # parameter -> id of that kind's object here


class World:
    """The foreign places and their objects; built inside the probe's module transaction."""

    def __init__(self):
        self.places: list[ForeignPlace] = []
        self.missing: dict[str, str] = {}  # parameter -> why no object of its kind could be made

    def build(self, params) -> "World":
        mingfu = Community.objects.get(name="明福社区")
        sub, district = mingfu.subdistrict, mingfu.subdistrict.district
        for level in LEVELS:
            tag = f"{MARK}{level}"
            if level in ("community", "subdistrict", "district"):
                if level == "district":
                    district_here = District.objects.create(name=f"{tag}区")
                else:
                    district_here = district
                if level in ("subdistrict", "district"):
                    sub_here = Subdistrict.objects.create(name=f"{tag}街道", district=district_here)
                else:
                    sub_here = sub
                community = Community.objects.create(name=f"{tag}社区", subdistrict=sub_here)
            else:
                community = mingfu
            estate = Estate.objects.create(name=f"{tag}小区", community=community, household_count=12)
            user = get_user_model().objects.create(username=f"xs-{level}", first_name=f"{tag}住户")
            self.places.append(ForeignPlace(level, estate, user))
        for place in self.places:
            copier = _Copier(place)
            for param in sorted(params):
                try:
                    obj = copier.object_for(param)
                except LookupError as exc:
                    self.missing[param] = str(exc)
                    continue
                place.objects[param] = obj
            # the places above the foreign one are the demo's own: not foreign to anyone below them
            for shared in SHARED[place.level]:
                place.objects.pop(shared, None)
            RoleAssignment.objects.create(user=place.user, role=Role.RESIDENT, estate=place.estate,
                                          valid_from=datetime.date(2000, 1, 1))
        return self


class _Copier:
    """Copies demo rows into one foreign place, each row once."""

    def __init__(self, place: ForeignPlace):
        self.place = place
        self.done: dict[tuple, models.Model] = {}
        self.busy: set[tuple] = set()

    def object_for(self, param: str) -> int:
        p = self.place
        name = re.sub(r"_id$", "", param)
        if name == "estate":
            return p.estate.pk
        if name == "community":
            return p.community.pk
        if name == "subdistrict":
            return p.community.subdistrict_id
        if name == "district":
            return p.community.subdistrict.district_id
        if name in ("place", "user"):  # place_id goes with place=estate (the request metrics)
            return p.estate.pk if name == "place" else p.user.pk
        if name == "person":
            return self.person().pk
        model = model_for(param)
        if model is None:
            raise LookupError(f"no model is named by the parameter {param!r}: add it to ALIASES")
        path = _estate_path(model)
        if path is None:
            raise LookupError(f"{model._meta.label} has no way to an estate")
        source = _source(model)
        return (self.copy(source) if source is not None else self.make(model)).pk

    def make(self, model) -> models.Model:
        """A row of a kind the demo has none of (a seal use, a photo): its required fields filled."""
        new = model()
        for f in model._meta.concrete_fields:
            if f.primary_key or f.null or f.has_default():
                continue
            if f.is_relation:
                target = f.related_model
                if target in (Estate, Community, Subdistrict, District, get_user_model()):
                    value = self._place_or_user(target)
                elif _estate_path(target) and _source(target) is not None:
                    value = self.copy(_source(target)).pk
                else:
                    raise LookupError(f"the demo has no {model._meta.label} to copy, nor a {target._meta.label}")
                setattr(new, f.attname, value)
            elif isinstance(f, models.FileField):
                setattr(new, f.attname, f"xs/{model._meta.model_name}.jpg")
            elif isinstance(f, (models.CharField, models.TextField)):
                setattr(new, f.attname, f"{MARK}{self.place.level}·{f.name}"[: f.max_length or None])
            elif isinstance(f, models.DateTimeField):
                setattr(new, f.attname, datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
            elif isinstance(f, models.DateField):
                setattr(new, f.attname, datetime.date(2026, 1, 1))
            elif isinstance(f, (models.IntegerField, models.DecimalField)):
                setattr(new, f.attname, 1)
        model.objects.bulk_create([new])
        return new

    def _place_or_user(self, target) -> int:
        p = self.place
        return {Estate: p.estate.pk, Community: p.community.pk, Subdistrict: p.community.subdistrict_id,
                District: p.community.subdistrict.district_id}.get(target, p.user.pk)

    def person(self) -> Person:
        n = next(_counter)
        unit = self.copy(Ownership.objects.filter(unit__estate__name=SOURCE_ESTATES[0]).order_by("pk").first().unit)
        person = Person.objects.create(name=f"{MARK}{self.place.level}业主{n}", phone=f"1990000{n:04d}",
                                       id_number=f"41050219900101{n:04d}")
        Ownership.objects.create(unit=unit, person=person, since=datetime.date(2020, 1, 1))
        return person

    def copy(self, row: models.Model) -> models.Model:
        key = (type(row), row.pk)
        if key in self.done:
            return self.done[key]
        self.busy.add(key)
        model, p = type(row), self.place
        new = model()
        for f in model._meta.concrete_fields:
            if f.primary_key:
                continue
            value = getattr(row, f.attname)
            if f.is_relation and value is not None:
                value = self._link(row, f)
            elif isinstance(f, (models.CharField, models.TextField)) and not f.choices and value:
                if f.name in MARKED:
                    value = f"{MARK}{p.level}·{f.name}"[: f.max_length or None]
                if f.unique or f.name == "code":  # codes are unique per estate, and rows come from two
                    value = f"{value}"[: (f.max_length or 40) - 8] + f"x{next(_counter):07d}"
            if f.unique and not f.is_relation and not isinstance(f, (models.CharField, models.TextField)):
                value = uuid.uuid4() if isinstance(f, models.UUIDField) else None
            setattr(new, f.attname, value)
        for field, value in OVERRIDES.get(model._meta.label, {}).items():
            setattr(new, field, value)
        model.objects.bulk_create([new])
        self.busy.discard(key)
        self.done[key] = new
        return new

    def _link(self, row, f):
        """What a copied row's link points to: the foreign place, a copy, the foreign user, or the same."""
        target = f.related_model
        value = getattr(row, f.attname)
        if target in (Estate, Community, Subdistrict, District, get_user_model()):
            return self._place_or_user(target)
        if target is type(row) or (target, value) in self.busy:
            if f.null:
                return None
            raise LookupError(f"{type(row)._meta.label}.{f.name} loops")
        if target._meta.app_label != "contenttypes" and _estate_path(target):
            return self.copy(target.objects.get(pk=value)).pk
        return value


def _source(model):
    """The demo row of this kind to copy: one of 太平洋花园's or 义乌城's, else any estate's."""
    path = _estate_path(model)
    return (model.objects.filter(**{f"{path}__name__in": SOURCE_ESTATES}).order_by("pk").first()
            or model.objects.filter(**{f"{path}__isnull": False}).order_by("pk").first())

