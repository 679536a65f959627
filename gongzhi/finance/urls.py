from django.urls import path

from gongzhi.finance import views

app_name = "finance"

urlpatterns = [
    path("finance/estates/<int:estate_id>/", views.estate_money, name="estate_money"),
    path("finance/estates/<int:estate_id>/expenses/", views.estate_money, {"section": "expenses"}, name="money_expenses"),
    path("finance/estates/<int:estate_id>/seals/", views.estate_money, {"section": "seals"}, name="money_seals"),
    path("finance/estates/<int:estate_id>/fees/", views.estate_money, {"section": "fees"}, name="money_fees"),
    path("finance/estates/<int:estate_id>/fund/", views.estate_money, {"section": "fund"}, name="money_fund"),
    path("finance/estates/<int:estate_id>/audits/", views.estate_money, {"section": "audits"}, name="money_audits"),
    path("finance/estates/<int:estate_id>/journal.xlsx", views.journal_xlsx, name="journal_xlsx"),
    path("finance/estates/<int:estate_id>/bills.xlsx", views.bills_xlsx, name="bills_xlsx"),
    path("finance/estates/<int:estate_id>/expenses.xlsx", views.expenses_xlsx, name="expenses_xlsx"),
    path("finance/supervisor/", views.supervisor_desk, name="supervisor_desk"),
    path("finance/records/", views.money_records, name="money_records"),
    path("finance/supervisor/alerts.xlsx", views.alerts_xlsx, name="alerts_xlsx"),
    path("finance/my-fees/", views.my_fees, name="my_fees"),
    path("finance/payments/<int:payment_id>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("finance/communities/<int:community_id>/seals/", views.community_seals, name="community_seals"),
    path("finance/communities/<int:community_id>/seals.xlsx", views.community_seals_xlsx, name="community_seals_xlsx"),
]
