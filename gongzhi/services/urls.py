from django.urls import path

from gongzhi.services import views

app_name = "services"

urlpatterns = [
    path("community-life/", views.hub, name="hub"),
    path("estates/<int:estate_id>/spaces/", views.space_list, name="space_list"),
    path("spaces/<int:space_id>/", views.space_detail, name="space_detail"),
    path("activities/", views.activity_list, name="activity_list"),
    path("estates/<int:estate_id>/activities/", views.estate_activities, name="estate_activities"),
    path("activities/<int:activity_id>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:activity_id>/qr/", views.activity_qr, name="activity_qr"),
    path("activities/<int:activity_id>/checkin/", views.activity_checkin, name="activity_checkin"),
    path("volunteering/", views.volunteering, name="volunteering"),
    path("estates/<int:estate_id>/projects/", views.estate_projects, name="estate_projects"),
    path("projects/<int:project_id>/", views.project_detail, name="project_detail"),
    path("activity-photos/<int:activity_photo_id>/", views.activity_photo, name="activity_photo"),
    path("milestone-photos/<int:milestone_photo_id>/", views.milestone_photo, name="milestone_photo"),
    path("volunteering/record/", views.volunteer_record, name="volunteer_record"),
    path("estates/<int:estate_id>/partners/", views.estate_partners, name="estate_partners"),
    path("pairings/<int:pairing_id>/", views.pairing_detail, name="pairing_detail"),
    path("estates/<int:estate_id>/advisers/", views.estate_advisers, name="estate_advisers"),
    path("matters/<int:matter_id>/advice/", views.advice_ask, name="advice_ask"),
    path("advice/<int:advice_request_id>/", views.advice_detail, name="advice_detail"),
]
