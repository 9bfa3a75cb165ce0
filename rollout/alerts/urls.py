from django.urls import path

from rollout.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.AlertsView.as_view(), name="index"),
    path("export.xlsx", views.AlertsExportView.as_view(), name="export"),
]
