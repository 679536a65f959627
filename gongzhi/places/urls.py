from django.urls import path

from gongzhi.places import views

app_name = "places"

urlpatterns = [
    path("places/setup/", views.division_setup, name="division_setup"),
    path("communities/<int:community_id>/", views.community_detail, name="community_detail"),
    path("communities/<int:community_id>/setup/", views.community_setup, name="community_setup"),
    path("estates/<int:estate_id>/setup/", views.estate_setup, name="estate_setup"),
    path("estates/<int:estate_id>/", views.estate_detail, name="estate_detail"),
    path("estates/<int:estate_id>/ledger.xlsx", views.estate_ledger_export, name="estate_ledger_export"),
    path("buildings/<int:building_id>/", views.building_detail, name="building_detail"),
    path("ledger/import/", views.ledger_upload, name="ledger_upload"),
]
