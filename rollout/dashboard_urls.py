from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("district/<int:code>/", views.DistrictDashboardView.as_view(), name="district"),
]
