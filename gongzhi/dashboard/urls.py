from django.urls import path

from gongzhi.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("dashboard/report.pdf", views.report_pdf, name="report_pdf"),
    path("dashboard/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("dashboard/report/publish", views.report_publish, name="report_publish"),
    path("dashboard/reports/<str:place>/<str:month>.pdf", views.kept_report, {"kind": "pdf"}, name="kept_report_pdf"),
    path("dashboard/reports/<str:place>/<str:month>.xlsx", views.kept_report, {"kind": "xlsx"},
         name="kept_report_xlsx"),
    path("search/", views.search_page, name="search"),
]
