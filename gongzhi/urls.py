from django.contrib import admin
from django.urls import include, path

from gongzhi.api import api

admin.site.site_header = "共治 Gongzhi 后台管理"
admin.site.site_title = "共治"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("gongzhi.portal.urls")),
    path("", include("gongzhi.core.urls")),
    path("", include("gongzhi.places.urls")),
    path("", include("gongzhi.bodies.urls")),
    path("", include("gongzhi.people.urls")),
    path("", include("gongzhi.notices.urls")),
    path("", include("gongzhi.votes.urls")),
    path("", include("gongzhi.meetings.urls")),
    path("", include("gongzhi.finance.urls")),
    path("", include("gongzhi.requests.urls")),
    path("", include("gongzhi.party.urls")),
    path("", include("gongzhi.dashboard.urls")),
    path("", include("gongzhi.services.urls")),
    path("", include("gongzhi.grid.urls")),
    path("", include("gongzhi.reviews.urls")),
]
