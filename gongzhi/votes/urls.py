from django.urls import path

from gongzhi.votes import views

urlpatterns = [
    path("votes/", views.vote_list, name="vote_list"),
    path("votes/new/", views.vote_new, name="vote_new"),
    path("votes/<int:vote_id>/", views.vote_detail, name="vote_detail"),
    path("votes/<int:vote_id>/turnout/", views.vote_turnout, name="vote_turnout"),
    path("votes/<int:vote_id>/paper/", views.vote_paper, name="vote_paper"),
    path("votes/<int:vote_id>/candidates/", views.vote_candidates, name="vote_candidates"),
    path("candidates/<int:candidate_id>/review/", views.candidate_review, name="candidate_review"),
    path("votes/<int:vote_id>/<str:action>/", views.vote_action, name="vote_action"),
]
