from django.urls import path

from . import views

app_name = "equipment"

urlpatterns = [
    path("", views.EquipmentOverviewView.as_view(), name="overview"),
    path("shortages/", views.ShortageListView.as_view(), name="shortages"),
    path("stock/", views.StockView.as_view(), name="stock"),
    path("stock/export.xlsx", views.StockExportView.as_view(), name="stock_export"),
    path("stock/import/", views.ItemsImportView.as_view(), name="items_import"),
    path("stock/import/template.xlsx", views.ItemsTemplateView.as_view(), name="items_template"),
    path("communes/<int:code>/", views.CommuneEquipmentView.as_view(), name="commune_equipment"),
    path("issuances/<int:pk>/return/", views.IssuanceReturnView.as_view(), name="issuance_return"),
    path("issuances/<int:pk>/lost/", views.IssuanceLostView.as_view(), name="issuance_lost"),
    path("issuances/<int:pk>/receipt.pdf", views.IssuanceReceiptView.as_view(), name="issuance_receipt"),
    path("receipts/<int:pk>.pdf", views.HandoverReceiptView.as_view(), name="handover_receipt"),
]
