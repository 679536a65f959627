from django.urls import path

from gongzhi.notices import views

app_name = "notices"

urlpatterns = [
    path("board/", views.board_index, name="board_index"),
    path("board/estates/<int:estate_id>/", views.estate_board, name="estate_board"),
    path("board/communities/<int:community_id>/", views.community_board, name="community_board"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/new/", views.notice_new, name="notice_new"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:notice_id>/print.pdf", views.notice_print, name="notice_print"),
    path("notices/<int:notice_id>/notice.json", views.notice_file, name="notice_file"),
    path("notices/<int:notice_id>/pin/", views.notice_pin, name="notice_pin"),
    path(
        "notices/<int:notice_id>/attachments/<int:attachment_id>/",
        views.notice_attachment,
        name="notice_attachment",
    ),
    path("v/<int:index>/", views.notice_verify, name="notice_verify"),
    path("log/", views.log_page, name="log_page"),
    path("log/keys/<str:key_id>.pem", views.log_key_pem, name="log_key_pem"),
]
