from django.urls import path

from gongzhi.reviews import views

app_name = "reviews"

urlpatterns = [
    path("reviews/", views.hub, name="hub"),
    path("reviews/rankings/", views.rankings, name="rankings"),
    path("reviews/conflicts/", views.conflicts, name="conflicts"),
    path("estates/<int:estate_id>/reviews/", views.estate_reviews, name="estate"),
    path("evaluations/<int:evaluation_id>/", views.evaluation_detail, name="evaluation_detail"),
    path("interviews/<int:interview_id>/", views.interview_detail, name="interview_detail"),
    path("reviews/photos/<int:report_photo_id>/", views.report_photo, name="report_photo"),
    path("companies/<int:organisation_id>/reviews/", views.company_trend, name="company_trend"),
    path("estates/<int:estate_id>/honour-list/", views.honour_list, name="honour_list"),
    path("honour-list/entries/<int:list_entry_id>/", views.entry_detail, name="entry_detail"),
    path("estates/<int:estate_id>/conduct/", views.conduct, name="conduct"),
    path("conduct/cases/<int:conduct_case_id>/", views.case_detail, name="case_detail"),
    path("estates/<int:estate_id>/mediations/", views.mediations, name="mediations"),
]
