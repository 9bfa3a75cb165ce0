from django.urls import path

from rollout.reports import views as report_views

app_name = "reports"

urlpatterns = [
    path("", report_views.ReportListView.as_view(), name="list"),
    path("new/", report_views.ReportRequestView.as_view(), name="request"),
    path("<int:pk>/", report_views.ReportDetailView.as_view(), name="detail"),
    path("<int:pk>/retry/", report_views.ReportRetryView.as_view(), name="retry"),
    path("<int:pk>/status/", report_views.ReportStatusView.as_view(), name="status"),
    path("<int:pk>/<str:kind>/", report_views.ReportDownloadView.as_view(), name="download"),
]
