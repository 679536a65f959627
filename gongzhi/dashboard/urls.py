from django.urls import path

from gongzhi.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("search/", views.search_page, name="search"),
]
