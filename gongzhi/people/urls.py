from django.urls import path

from gongzhi.people import views

app_name = "people"

urlpatterns = [
    path("communities/<int:community_id>/roles/", views.community_roles, name="community_roles"),
    path("units/<int:unit_id>/ownership/", views.unit_ownership, name="unit_ownership"),
]
