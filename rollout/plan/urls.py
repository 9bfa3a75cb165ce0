from django.urls import path

from rollout.plan import views

app_name = "plan"

urlpatterns = [
    path("", views.PlanIndexView.as_view(), name="index"),
    path("<int:pk>/edit/", views.PlanEditView.as_view(), name="plan_edit"),
    path("phases/new/", views.PhaseCreateView.as_view(), name="phase_create"),
    path("phases/<int:pk>/", views.PhaseDetailView.as_view(), name="phase_detail"),
    path("phases/<int:pk>/edit/", views.PhaseEditView.as_view(), name="phase_edit"),
    path("committee/new/", views.MemberCreateView.as_view(), name="member_create"),
    path("committee/<int:pk>/edit/", views.MemberEditView.as_view(), name="member_edit"),
    path("tasks/", views.TaskListView.as_view(), name="task_list"),
    path("tasks/new/", views.TaskCreateView.as_view(), name="task_create"),
    path("tasks/<int:pk>/edit/", views.TaskEditView.as_view(), name="task_edit"),
    path("tasks/<int:pk>/status/", views.TaskStatusView.as_view(), name="task_status"),
]
