from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.ApiTokenListView.as_view(), name="tokens"),
    path("<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="token_revoke"),
]
