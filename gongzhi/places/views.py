"""Pages of places: community, estate and building pages, ledger export and import."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.selectors import estate_autonomy, estate_leadership, organisation_list
from gongzhi.core.errors import GongzhiError, PermissionDenied
from gongzhi.core.exports import xlsx_response
from gongzhi.core.web import attempt, posted_action, posted_id
from gongzhi.people.selectors import persons_out, unit_owners
from gongzhi.places import forms as place_forms
from gongzhi.places import ledger, rules, selectors, services


@login_required
def community_detail(request, community_id: int):
    user = request.user
    community = selectors.community_get(fetched_by=user, community_id=community_id)
    estates = selectors.community_estates(community=community)
    return render(
        request,
        "places/community_detail.html",
        {"community": community, "estates": estate_autonomy(estates),
         "can_setup": rules.may_keep_community(user, community.pk)},
    )


@login_required
def estate_detail(request, estate_id: int):
    user = request.user
    estate = selectors.estate_get(fetched_by=user, estate_id=estate_id)
    query = request.GET.get("q", "")
    found = list(selectors.unit_search(fetched_by=user, estate_id=estate.pk, query=query)) if query else []
    owners = unit_owners(fetched_by=user, unit_ids=[u.pk for u in found])
    people = {p["id"]: p for p in persons_out(fetched_by=user, persons=[p for ps in owners.values() for p in ps])}
    return render(
        request,
        "places/estate_detail.html",
        {
            "query": query,
            "found": [(u, [people[p.pk] for p in owners.get(u.pk, [])]) for u in found],
            "can_search": rules.may_search_units(user, estate),
            "estate": estate,
            "autonomy": estate_autonomy([estate])[0],
            "leadership": estate_leadership(fetched_by=user, estate_id=estate.pk),
            "buildings": selectors.estate_buildings(estate=estate),
            "organisations": organisation_list(fetched_by=user, estate_id=estate.pk),
            "can_export": rules.may_export_ledger(user, estate),
            "can_setup": rules.may_keep_estate(user, estate),
        },
    )


@login_required
def building_detail(request, building_id: int):
    user = request.user
    building = selectors.building_get(fetched_by=user, building_id=building_id)
    units = list(selectors.unit_list(fetched_by=user, building_id=building.pk))
    owners = unit_owners(fetched_by=user, unit_ids=[u.pk for u in units])
    people = {p["id"]: p for p in persons_out(fetched_by=user, persons=[p for ps in owners.values() for p in ps])}
    rows = [(u, [people[p.pk] for p in owners.get(u.pk, [])]) for u in units]
    return render(request, "places/building_detail.html", {"building": building, "rows": rows, "can_see_owners": bool(rows)})


@login_required
def estate_ledger_export(request, estate_id: int):
    rows = ledger.ledger_rows(fetched_by=request.user, estate_id=estate_id)
    return xlsx_response(ledger.ledger_workbook(rows), f"ledger-{estate_id}")


@login_required
def ledger_upload(request):
    user = request.user
    if not rules.may_import_ledger(user):
        raise PermissionDenied()
    form = place_forms.LedgerUploadForm(request.POST or None, request.FILES or None, user=user)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            table = ledger.read_table(upload.read(settings.GONGZHI_IMPORT_MAX_BYTES + 1), upload.name)
            rows = ledger.parse_rows(table, community_name=form.cleaned_data["community"].name)
            result = ledger.ledger_import(user, rows=rows)
        except ledger.LedgerImportError as exc:
            errors = exc.errors
            messages.error(request, _("台账有错误，未导入任何数据 / Nothing was imported"))
        except GongzhiError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("导入完成：%(units)d套房屋，%(persons)d位业主") % {"units": result.units, "persons": result.persons},
            )
            return redirect("portal:home")
    return render(request, "places/ledger_upload.html", {"form": form, "errors": errors})


# --- setup: the division (districts, subdistricts, communities), a community's grids and estates ---
@login_required
def division_setup(request):
    """区划设置: the districts, subdistricts and communities the user sees, with a form to open a place
    under each parent the user may open one under."""
    user = request.user
    if not rules.may_set_up_places(user):
        raise PermissionDenied(services.PLACE_NEEDS_ADMIN)
    kind = request.POST.get("action") if request.method == "POST" else None
    if kind is not None:
        form = posted_action(request, {"district": place_forms.PlaceForm, "subdistrict": place_forms.SubdistrictForm,
                                       "community": place_forms.PlaceForm})(request.POST)
        if form.is_valid():
            extra = {"code": form.cleaned_data["code"] or None} if kind == "subdistrict" else {}
            made = attempt(request, lambda: services.place_create(
                user, kind=kind, name=form.cleaned_data["name"], parent_id=posted_id(request.POST.get("parent")),
                **extra), _("已新建"))
            if made is not None:
                return redirect("places:division_setup")
        else:
            messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    def form_under(form_class, kind, parent):  # one form per parent, each with its own field ids
        if not rules.may_create_place(user, kind, parent):
            return None
        return form_class(auto_id=f"id_{kind}_{parent.pk if parent else 0}_%s")

    return render(request, "places/division_setup.html", {
        "districts": [(d, form_under(place_forms.SubdistrictForm, "subdistrict", d))
                      for d in selectors.district_list(fetched_by=user)],
        "subdistricts": [(s, form_under(place_forms.PlaceForm, "community", s))
                         for s in selectors.subdistrict_list(fetched_by=user)],
        "communities": selectors.community_list(fetched_by=user),
        "district_form": form_under(place_forms.PlaceForm, "district", None),
    })


# --- a community's grids and estates, an estate's facts ---------------------------------------------
@login_required
def community_setup(request, community_id: int):
    user = request.user
    community = selectors.community_get(fetched_by=user, community_id=community_id)
    if not rules.may_keep_community(user, community.pk):
        raise PermissionDenied(services.ESTATE_NEEDS_KEEPER)
    grid_form = place_forms.PlaceForm(request.POST if request.POST.get("action") == "grid" else None, prefix="grid")
    estate_form = place_forms.PlaceForm(request.POST if request.POST.get("action") == "estate" else None, prefix="estate")
    if request.method == "POST":
        form = posted_action(request, {"grid": grid_form, "estate": estate_form})
        if form.is_valid():
            kind = request.POST["action"]
            made = attempt(request, lambda: services.place_create(
                user, kind=kind, name=form.cleaned_data["name"], parent_id=community.pk), _("已新建"))
            if made is not None:
                return redirect("places:community_setup", community_id=community.pk)
    return render(request, "places/community_setup.html", {
        "community": community, "grids": selectors.community_grids(community=community),
        "estates": selectors.community_estates(community=community).select_related("grid"),
        "grid_form": grid_form, "estate_form": estate_form,
    })


@login_required
def estate_setup(request, estate_id: int):
    user = request.user
    estate = selectors.estate_get(fetched_by=user, estate_id=estate_id)
    if not rules.may_keep_estate(user, estate):
        raise PermissionDenied(services.ESTATE_NEEDS_KEEPER)
    form = place_forms.EstateForm(request.POST or None, estate=estate)
    if request.method == "POST" and form.is_valid():
        done = attempt(request, lambda: services.estate_update(user, estate_id=estate.pk, **form.service_arguments()),
                       _("小区信息已保存"))
        if done is not None:
            return redirect("places:estate_setup", estate_id=estate.pk)
    return render(request, "places/estate_setup.html", {"estate": estate, "form": form})
