from django.urls import path

from haven.web import views, views_auth, views_plans

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views_auth.sign_in, name="sign-in"),
    path("sign-in/code/", views_auth.sign_in_code, name="sign-in-code"),
    path("sign-in/enrol/", views_auth.enrol, name="enrol"),
    path("sign-out/", views_auth.sign_out, name="sign-out"),
    path("account/password/", views_auth.password_change, name="password"),
    path("audit/", views.audit_events, name="audit"),
    path("manage/users/", views.users_list, name="users"),
    path("manage/users/new/", views.user_new, name="user-new"),
    path("manage/users/<uuid:user_id>/", views.user_edit, name="user-edit"),
    path("manage/users/<uuid:user_id>/<slug:action>/", views.user_action, name="user-action"),
    path("manage/agencies/", views.agencies_list, name="agencies"),
    path("manage/agencies/new/", views.agency_new, name="agency-new"),
    path("manage/agencies/<uuid:agency_id>/", views.agency_edit, name="agency-edit"),
    # operations: the plan, its readiness and approval, its history, the briefings
    path("operations/new/", views_plans.operation_new, name="operation-new"),
    path("operations/<str:code>/plan/", views_plans.plan_page, name="plan"),
    path("operations/<str:code>/plan/<slug:section>/", views_plans.plan_section, name="plan-section"),
    path("operations/<str:code>/readiness/", views_plans.readiness_panel, name="readiness"),
    path("operations/<str:code>/approve/", views_plans.plan_approve, name="approve"),
    path("operations/<str:code>/history/", views_plans.plan_history, name="history"),
    path("operations/<str:code>/briefing/", views_plans.briefing, name="briefing"),
    path("operations/<str:code>/export/", views_plans.plan_export, name="plan-export"),
]

# The after-action report (views_reports): the page with its charts, and its downloads.
from haven.web import views_reports  # noqa: E402 - appended with its routes, after the others

urlpatterns += [
    path("operations/<slug:code>/report/", views_reports.report_page, name="report"),
    path("operations/<slug:code>/report/export/", views_reports.report_export, name="report-export"),
]
