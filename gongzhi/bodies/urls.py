from django.urls import path

from gongzhi.bodies import views

app_name = "bodies"

urlpatterns = [
    path("organisations/<int:organisation_id>/", views.organisation_detail, name="organisation_detail"),
]
