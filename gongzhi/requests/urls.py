from django.urls import path, re_path

from gongzhi.requests import open311, views

app_name = "requests"

urlpatterns = [
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/export.xlsx", views.request_export, name="request_export"),
    path("requests/<int:request_id>/", views.request_detail, name="request_detail"),
    path("requests/photos/<int:photo_id>/", views.request_photo, name="request_photo"),
    path("requests/metrics/", views.metrics_page, name="request_metrics"),
    path("requests/routing/<int:community_id>/", views.routing_page, name="request_routing"),
    path("board/estates/<int:estate_id>/requests/", views.request_board, name="request_board"),
    path("requests/devices/", views.device_list, name="device_list"),
    path("requests/devices/<int:device_id>/", views.device_detail, name="device_detail"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/export.xlsx", views.order_export, name="order_export"),
    path("orders/<int:order_id>/", views.order_detail, name="order_detail"),
    # Open311 GeoReport v2 (documented in open311.openapi.json)
    re_path(r"^open311/v2/openapi\.json$", open311.openapi, name="open311_openapi"),
    re_path(r"^open311/v2/discovery\.(?P<fmt>json|xml)$", open311.discovery, name="open311_discovery"),
    re_path(r"^open311/v2/services\.(?P<fmt>json|xml)$", open311.services, name="open311_services"),
    re_path(r"^open311/v2/services/(?P<code>[^/]+)\.(?P<fmt>json|xml)$", open311.service_definition,
            name="open311_service"),
    re_path(r"^open311/v2/requests\.(?P<fmt>json|xml)$", open311.requests, name="open311_requests"),
    re_path(r"^open311/v2/requests/(?P<request_id>[^/]+)\.(?P<fmt>json|xml)$", open311.request_one,
            name="open311_request"),
    re_path(r"^open311/v2/servicerequestupdates\.(?P<fmt>json|xml)$", open311.updates,
            name="open311_updates"),
    re_path(r"^open311/v2/tokens/(?P<token>[^/]+)\.(?P<fmt>json|xml)$", open311.token, name="open311_token"),
    re_path(r"^open311/v2/.*$", open311.unknown),
]
