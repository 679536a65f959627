from django.urls import path

from gongzhi.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("display/large-font/", views.toggle_large_font, name="toggle_large_font"),
]
