from django.urls import path

from gongzhi.votes import consultation_views, views

app_name = "votes"

urlpatterns = [
    path("votes/", views.vote_list, name="vote_list"),
    path("votes/new/", views.vote_new, name="vote_new"),
    path("votes/export.xlsx", views.vote_export, name="vote_export"),
    path("votes/<int:vote_id>/", views.vote_detail, name="vote_detail"),
    path("votes/<int:vote_id>/receipt/", views.vote_receipt, name="vote_receipt"),
    path("votes/<int:vote_id>/turnout/", views.vote_turnout, name="vote_turnout"),
    path("votes/<int:vote_id>/turnout.xlsx", views.vote_turnout_export, name="vote_turnout_export"),
    path("votes/<int:vote_id>/paper/", views.vote_paper, name="vote_paper"),
    path("votes/<int:vote_id>/candidates/", views.vote_candidates, name="vote_candidates"),
    path("candidates/<int:candidate_id>/review/", views.candidate_review, name="candidate_review"),
    path("votes/<int:vote_id>/<str:action>/", views.vote_action, name="vote_action"),
    path("consultations/", consultation_views.consultation_list, name="consultation_list"),
    path("consultations/<int:consultation_id>/", consultation_views.consultation_detail, name="consultation_detail"),
    path("conventions/new/", consultation_views.convention_new, name="convention_new"),
    path("conventions/<int:convention_id>/", consultation_views.convention_detail, name="convention_detail"),
]
