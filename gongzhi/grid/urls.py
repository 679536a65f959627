from django.urls import path

from gongzhi.grid import views

app_name = "grid"

urlpatterns = [
    path("grid/", views.hub, name="hub"),
    path("estates/<int:estate_id>/patrols/", views.estate_patrols, name="estate_patrols"),
    path("patrol-plans/<int:patrol_plan_id>/", views.plan, name="plan"),
    path("patrol-plans/<int:patrol_plan_id>/checkpoints.pdf", views.plan_print, name="plan_print"),
    path("patrols/<int:patrol_id>/", views.patrol, name="patrol"),
    path("patrol-checkpoints/<int:checkpoint_id>/", views.checkpoint, name="checkpoint"),
    path("patrols/photos/<int:finding_photo_id>/", views.finding_photo, name="finding_photo"),
    path("estates/<int:estate_id>/visits/", views.estate_visits, name="estate_visits"),
    path("visits/mine/", views.my_visits, name="my_visits"),
    path("special-people/<int:special_person_id>/", views.special, name="special"),
    path("visits/<int:visit_id>/", views.visit, name="visit"),
    path("estates/<int:estate_id>/rules/", views.estate_rules, name="estate_rules"),
    path("rules/<int:rule_document_id>/", views.rule, name="rule"),
]
