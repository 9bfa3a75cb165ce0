from django.urls import path

from rollout.subscriptions import views

app_name = "subscriptions"

urlpatterns = [
    path("", views.SubscriptionListView.as_view(), name="list"),
    path("new/", views.SubscriptionCreateView.as_view(), name="create"),
    path("<int:pk>/", views.SubscriptionUpdateView.as_view(), name="update"),
    path("<int:pk>/stop/", views.SubscriptionDeleteView.as_view(), name="delete"),
]
