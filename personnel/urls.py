from django.urls import path

from . import views

app_name = "personnel"

urlpatterns = [
    path("", views.OfficerListView.as_view(), name="officer_list"),
    path("new/", views.OfficerCreateView.as_view(), name="officer_create"),
    path("export.xlsx", views.OfficerExportView.as_view(), name="officer_export"),
    path("import/", views.OfficerImportView.as_view(), name="officer_import"),
    path("import/template.xlsx", views.OfficerTemplateView.as_view(), name="officer_template"),
    path("<int:pk>/", views.OfficerDetailView.as_view(), name="officer_detail"),
    path("<int:pk>/edit/", views.OfficerUpdateView.as_view(), name="officer_update"),
    path("<int:pk>/vetting/", views.OfficerVettingView.as_view(), name="officer_vetting"),
    path("<int:pk>/status/", views.OfficerStatusView.as_view(), name="officer_status"),
    path("assign/<int:code>/", views.AssignView.as_view(), name="assign"),
    path("assignments/<int:pk>/end/", views.AssignmentEndView.as_view(), name="assignment_end"),
]
