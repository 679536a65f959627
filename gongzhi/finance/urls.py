from django.urls import path

from gongzhi.finance import views

urlpatterns = [
    path("finance/estates/<int:estate_id>/", views.estate_money, name="estate_money"),
    path("finance/supervisor/", views.supervisor_desk, name="supervisor_desk"),
    path("finance/my-fees/", views.my_fees, name="my_fees"),
]
