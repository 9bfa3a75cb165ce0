from django.urls import path

from rollout.register import views

app_name = "register"

urlpatterns = [
    path("", views.RegisterView.as_view(), name="index"),
    path("register.xlsx", views.RegisterExcelView.as_view(), name="xlsx"),
    path("register.pdf", views.RegisterPdfView.as_view(), name="pdf"),
    path("officers/<int:pk>/", views.ServiceRecordView.as_view(), name="service_record"),
    path("officers/<int:pk>/service-record.pdf", views.ServiceRecordPdfView.as_view(), name="service_record_pdf"),
]
