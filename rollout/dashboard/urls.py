from django.urls import path

from rollout.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("district/<int:code>/", views.DistrictDashboardView.as_view(), name="district"),
]
