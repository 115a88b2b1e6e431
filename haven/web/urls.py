from django.urls import path

from haven.web import views, views_auth, views_encounters, views_plans

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("sign-in/", views_auth.sign_in, name="sign-in"),
    path("sign-in/code/", views_auth.sign_in_code, name="sign-in-code"),
    path("sign-in/enrol/", views_auth.enrol, name="enrol"),
    path("sign-out/", views_auth.sign_out, name="sign-out"),
    path("account/password/", views_auth.password_change, name="password"),
    path("audit/", views.audit_events, name="audit"),
    path("audit/export.csv", views.audit_events_export, name="audit-export"),
    path("audit/verify/", views.audit_verify, name="audit-verify"),
    path("manage/users/", views.users_list, name="users"),
    path("manage/users/new/", views.user_new, name="user-new"),
    path("manage/users/<uuid:user_id>/", views.user_edit, name="user-edit"),
    path("manage/users/<uuid:user_id>/<slug:action>/", views.user_action, name="user-action"),
    path("manage/agencies/", views.agencies_list, name="agencies"),
    path("manage/agencies/new/", views.agency_new, name="agency-new"),
    path("manage/agencies/<uuid:agency_id>/", views.agency_edit, name="agency-edit"),
    # changes that take two admins: an account in another agency, a move between agencies, a type change
    path("manage/changes/", views.account_changes, name="account-changes"),
    path(
        "manage/changes/<uuid:change_id>/<slug:decision>/",
        views.account_change_decide,
        name="account-change-decide",
    ),
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

# After the action: the live board and the person page (views_encounters).
_op = "operations/<str:operation_code>/"
_person = _op + "persons/<str:person_code>/"
urlpatterns += [
    path(_op + "board/", views_encounters.board, name="board"),
    path(_op + "board/rows/", views_encounters.board_rows, name="board-rows"),
    path(_op + "persons/register/", views_encounters.person_register, name="person-register"),
    path(_person, views_encounters.person_page, name="person"),
    path(_person + "place/", views_encounters.person_place, name="person-place"),
    path(_person + "designation/", views_encounters.person_designation, name="person-designation"),
    path(_person + "observation/", views_encounters.person_observation, name="person-observation"),
    path(_person + "needs/", views_encounters.person_needs, name="person-needs"),
    path(_person + "information/", views_encounters.person_information, name="person-information"),
    path(_person + "victim-service/", views_encounters.person_victim_service, name="person-victim-service"),
    path(_person + "attorney-note/", views_encounters.person_attorney_note, name="person-attorney-note"),
    path(_person + "consents/", views_encounters.person_consent, name="person-consent"),
    path(
        _person + "consents/<uuid:consent_id>/revoke/",
        views_encounters.person_consent_revoke,
        name="person-consent-revoke",
    ),
    path(_person + "interviews/", views_encounters.person_interview, name="person-interview"),
    path(
        _person + "interviews/<uuid:interview_id>/record/",
        views_encounters.person_interview_record,
        name="person-interview-record",
    ),
    path(
        _person + "preference/withdraw/",
        views_encounters.person_preference_withdraw,
        name="person-preference-withdraw",
    ),
    path(_person + "danger/", views_encounters.person_danger, name="person-danger"),
    path(_person + "child-welfare/", views_encounters.person_child_welfare, name="person-child-welfare"),
    path(
        _person + "danger/<uuid:flag_id>/respond/",
        views_encounters.person_danger_respond,
        name="person-danger-respond",
    ),
    path(_person + "relief/", views_encounters.person_relief, name="person-relief"),
    path(_person + "release/", views_encounters.person_release, name="person-release"),
]

# Planning the day's interviews (views_scheduling): availability, the plan, pins, acceptance, calendars.
from haven.web import views_scheduling  # noqa: E402 - appended with its routes, after the others

_interviews = _op + "interviews/"
_plan = _interviews + "plans/<uuid:plan_id>/"
urlpatterns += [
    path(_interviews + "plan/", views_scheduling.plan_page, name="interview-plan"),
    path(
        _interviews + "plan/availability/", views_scheduling.availability_save, name="interview-availability"
    ),
    path(_interviews + "plan/rooms/", views_scheduling.room_add, name="interview-room-add"),
    path(_interviews + "plan/gone/", views_scheduling.interviewer_gone, name="interview-gone"),
    path(_interviews + "plan/solve/", views_scheduling.plan_solve, name="interview-plan-solve"),
    path(_plan + "replan/", views_scheduling.plan_replan, name="interview-replan"),
    path(_plan + "pin/", views_scheduling.plan_pin, name="interview-pin"),
    path(_plan + "unpin/", views_scheduling.plan_unpin, name="interview-unpin"),
    path(_plan + "accept/", views_scheduling.plan_accept, name="interview-accept"),
    path(_interviews + "mine.ics", views_scheduling.my_calendar, name="interview-calendar"),
    path(
        _interviews + "plan/runs/<uuid:run_id>/", views_scheduling.solve_status, name="interview-solve-status"
    ),
]

# The notification centre (views_notifications): one's own notifications and e-mail choices.
from haven.web import views_notifications  # noqa: E402 - appended with its routes, after the others

urlpatterns += [
    path("notifications/", views_notifications.notification_list, name="notifications"),
    path(
        "notifications/preferences/",
        views_notifications.notification_preferences,
        name="notifications-preferences",
    ),
    path("notifications/read-all/", views_notifications.notification_read_all, name="notifications-read-all"),
    path(
        "notifications/<uuid:notification_id>/",
        views_notifications.notification_open,
        name="notification-open",
    ),
    path(
        "notifications/<uuid:notification_id>/read/",
        views_notifications.notification_read,
        name="notification-read",
    ),
]
