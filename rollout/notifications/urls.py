from django.urls import path

from rollout.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="index"),
    path("preferences/", views.PreferenceView.as_view(), name="preferences"),
]
