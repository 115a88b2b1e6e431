"""The Django admin is for accounts and agencies only (docs/security.md): the task queue's results, which
django-tasks-db registers there, are left out; `haven worker` and the pages show what a task did."""

from __future__ import annotations

from django.contrib import admin
from django_tasks_db.models import DBTaskResult

if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
