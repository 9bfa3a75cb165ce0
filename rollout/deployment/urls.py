from django.urls import path

from rollout.deployment import views

app_name = "deployment"

urlpatterns = [
    path("", views.PlanListView.as_view(), name="plan_list"),
    path("new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("<int:pk>/run/", views.PlanRunView.as_view(), name="plan_run"),
    path("<int:pk>/lock/", views.RowLockView.as_view(), name="row_lock"),
    path("<int:pk>/exclude/", views.ExcludeView.as_view(), name="exclude"),
    path("<int:pk>/approve/", views.ApproveView.as_view(), name="approve"),
    path("<int:pk>/export/", views.PlanExportView.as_view(), name="export"),
]
