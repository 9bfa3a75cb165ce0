from django.urls import path

from . import views

app_name = "communes"

urlpatterns = [
    path("", views.CommuneListView.as_view(), name="commune_list"),
    path("export.xlsx", views.CommuneExportView.as_view(), name="commune_export"),
    path("import/", views.CommuneImportView.as_view(), name="commune_import"),
    path("import/template.xlsx", views.CommuneTemplateView.as_view(), name="commune_template"),
    path("<int:pk>/", views.CommuneDetailView.as_view(), name="commune_detail"),
]
