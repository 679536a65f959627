from django.urls import path

from gongzhi.meetings import views

app_name = "meetings"

urlpatterns = [
    path("matters/", views.matter_list, name="matter_list"),
    path("matters/<int:matter_id>/", views.matter_detail, name="matter_detail"),
    path("matters/steps/<int:matter_step_id>/attachment/", views.step_attachment, name="step_attachment"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/export.xlsx", views.meeting_export, name="meeting_export"),
    path("matters/export.xlsx", views.matter_export, name="matter_export"),
    path("actions/export.xlsx", views.action_export, name="action_export"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("actions/", views.action_list, name="action_list"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/numbers/", views.numbers, name="meeting_numbers"),
    path("estates/<int:estate_id>/resolutions/", views.resolutions, name="estate_resolutions"),
]
