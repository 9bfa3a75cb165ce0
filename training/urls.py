from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.SessionListView.as_view(), name="session_list"),
    path("courses/", views.CourseListView.as_view(), name="course_list"),
    path("classes/new/", views.SessionCreateView.as_view(), name="session_create"),
    path("classes/<int:pk>/", views.SessionDetailView.as_view(), name="session_detail"),
    path("classes/<int:pk>/enrol/", views.SessionEnrolView.as_view(), name="session_enrol"),
    path("classes/<int:pk>/results/", views.SessionResultsView.as_view(), name="session_results"),
    path("classes/<int:pk>/results/import/", views.SessionResultsImportView.as_view(), name="session_results_import"),
    path("classes/<int:pk>/close/", views.SessionCloseView.as_view(), name="session_close"),
    path("classes/<int:pk>/reopen/", views.SessionReopenView.as_view(), name="session_reopen"),
    path("classes/<int:pk>/roster.xlsx", views.SessionRosterExportView.as_view(), name="session_roster"),
    path("enrolments/<int:pk>/remove/", views.EnrollmentRemoveView.as_view(), name="enrollment_remove"),
    path("enrolments/<int:pk>/certificate/", views.CertificateFileView.as_view(), name="certificate_file"),
    path("officers/<int:pk>/enrol/", views.OfficerEnrolView.as_view(), name="officer_enrol"),
    path("officers/<int:pk>/prior-training/", views.PriorTrainingCreateView.as_view(), name="prior_training_create"),
    path("prior-training/<int:pk>/remove/", views.PriorTrainingRemoveView.as_view(), name="prior_training_remove"),
    path("untrained/", views.UntrainedDeployedView.as_view(), name="untrained"),
    path("refreshers/", views.RefreshersDueView.as_view(), name="refreshers"),
]
