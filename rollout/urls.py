from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from rollout import health
from rollout.dashboard import views

admin.site.site_header = "Công an xã chính quy — Quản trị"
admin.site.site_title = "Công an xã chính quy"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("communes/", include("communes.urls")),
    path("officers/", include("personnel.urls")),
    path("training/", include("training.urls")),
    path("equipment/", include("equipment.urls")),
    path("dashboard/", include("rollout.dashboard.urls")),
    path("plan/", include("rollout.plan.urls")),
    path("deployment/", include("rollout.deployment.urls")),
    path("alerts/", include("rollout.alerts.urls")),
    path("notifications/", include("rollout.notifications.urls")),
    path("reports/", include("rollout.reports.urls")),
    path("accounts/tokens/", include("accounts.urls")),
    path("api/", include("rollout.api.urls")),
    path("register/", include("rollout.register.urls")),
    path("subscriptions/", include("rollout.subscriptions.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A database that does not answer gets its own page (503), any other server error the 500 page.
handler404 = "rollout.errors.not_found"
handler500 = "rollout.errors.server_error"
