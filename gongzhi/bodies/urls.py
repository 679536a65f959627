from django.urls import path

from gongzhi.bodies import views

app_name = "bodies"

urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/<int:organisation_id>/", views.organisation_detail, name="organisation_detail"),
    path("estates/<int:estate_id>/organisations/", views.estate_bodies, name="estate_bodies"),
    path("communities/<int:community_id>/organisations/", views.community_bodies, name="community_bodies"),
]
