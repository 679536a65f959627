from django.contrib.auth import views as auth_views
from django.urls import path

from gongzhi.core import health, views

app_name = "core"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/sms/", views.sms_login, name="sms_login"),
    path("account/password/", views.password_change, name="password_change"),
    path("accounts/<int:user_id>/password-reset/", views.account_password_reset, name="account_password_reset"),
    path("approvals/", views.approval_inbox, name="approval_inbox"),
    path("approvals/new/", views.approval_new, name="approval_new"),
    path("approvals/<int:approval_id>/", views.approval_detail, name="approval_detail"),
    path("audit/", views.audit_trail, name="audit_trail"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
    path("notifications/deliveries/", views.deliveries, name="deliveries"),
]
