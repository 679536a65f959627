from django.urls import path

from gongzhi.party import views

app_name = "party"

urlpatterns = [
    path("party/points/", views.my_points, name="my_points"),
    path("party/people/<int:person_id>/points/", views.member_points, name="member_points"),
    path("communities/<int:community_id>/party/points/", views.ranking, name="ranking"),
    path("party/registration/", views.my_registration, name="my_registration"),
    path("communities/<int:community_id>/party/registrations/", views.community_registrations,
         name="community_registrations"),
    path("communities/<int:community_id>/party/statements/", views.statements, name="statements"),
    path("communities/<int:community_id>/party/statements/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("estates/<int:estate_id>/party/", views.estate_chain, name="estate_chain"),
    path("party/household/", views.my_household, name="my_household"),
    path("party/board/", views.my_board, name="my_board"),
    path("board/estates/<int:estate_id>/party/", views.board, name="estate_board"),
    path("board/estates/<int:estate_id>/buildings/<int:building_id>/party/", views.board, name="building_board"),
    path("board/party/<int:notice_id>/print.pdf", views.board_print, name="board_print"),
    path("board/party/photos/<str:name>", views.board_photo, name="board_photo"),
    path("estates/<int:estate_id>/party/posts/", views.estate_posts, name="estate_posts"),
    path("party/posts/", views.my_posts, name="my_posts"),
    path("party/cadres/<int:user_id>/", views.cadre, name="cadre"),
    path("organisations/<int:organisation_id>/party/members/", views.organisation_members,
         name="organisation_members"),
    path("communities/<int:community_id>/party/units/", views.community_units, name="community_units"),
    path("estates/<int:estate_id>/party/services/", views.estate_services, name="estate_services"),
    path("party/services/", views.my_services, name="my_services"),
]
