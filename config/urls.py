"""URL composition: Haven's pages, its HTTP API and the Django admin (accounts and agencies only)."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from haven.api.api import api
from haven.web import views_auth

admin.site.site_header = "Haven administration"
admin.site.site_title = "Haven"
admin.site.site_url = "/"

urlpatterns = [
    # The admin signs in and out through Haven's own pages (second factor, sessions ended everywhere).
    path("django-admin/login/", RedirectView.as_view(pattern_name="web:sign-in", query_string=True)),
    path("django-admin/logout/", views_auth.sign_out),
    path("django-admin/password_change/", RedirectView.as_view(pattern_name="web:password")),
    path("django-admin/password_change/done/", RedirectView.as_view(pattern_name="web:home")),
    path("django-admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("haven.web.urls")),
]
