"""The Django admin for accounts and agencies: every change goes through the services, so it is
checked and audited like the same change made in Haven's own pages. Nothing of case data is here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import services
from haven.accounts.models import Agency, User


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ("name", "slug", "type", "is_active")
    list_filter = ("type", "is_active")
    search_fields = ("name", "slug")
    fields = ("slug", "name", "type", "is_active")

    def get_readonly_fields(self, request: HttpRequest, obj: Agency | None = None) -> tuple[str, ...]:
        return ("slug",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Agency | None = None) -> bool:
        return False  # agencies are deactivated, never deleted: the audit trail refers to them

    def save_model(
        self, request: HttpRequest, obj: Agency, form: forms.ModelForm[Agency], change: bool
    ) -> None:
        actor = request.user
        assert isinstance(actor, User)
        if change:
            fresh = Agency.objects.get(pk=obj.pk)
            services.agency_update(
                actor=actor, agency=fresh, name=obj.name, type=obj.type, is_active=obj.is_active
            )
        else:
            created = services.agency_create(actor=actor, slug=obj.slug, name=obj.name, type=obj.type)
            obj.pk = created.pk


class UserAddForm(forms.ModelForm[User]):
    password = forms.CharField(label="Initial password", widget=forms.PasswordInput, strip=False)

    class Meta:
        model = User
        fields = ("username", "name", "agency", "is_coordinator", "is_auditor", "is_admin", "gender")


class UserChangeForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ("name", "agency", "is_coordinator", "is_auditor", "is_admin", "gender", "is_active")


def _roles(obj: User) -> list[str]:
    return [str(role) for role in obj.roles]


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ("username", "name", "agency", "is_active", "locked_at")
    list_filter = ("is_active", "is_admin", "is_auditor", "is_coordinator", "agency")
    search_fields = ("username", "name")
    readonly_fields = ("username", "failed_sign_ins", "locked_at", "created_at", "updated_at")
    actions = ("unlock_accounts",)

    def get_form(
        self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = UserChangeForm if obj is not None else UserAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple[str, ...]:
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj: User | None = None) -> list[Any]:
        form = UserChangeForm if obj is not None else UserAddForm
        base = ["username", *form.Meta.fields] if obj is not None else [*form.Meta.fields, "password"]
        extra = ["failed_sign_ins", "locked_at", "created_at", "updated_at"] if obj is not None else []
        return [*base, *extra]

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # accounts are disabled, never deleted: the audit trail refers to them

    def get_queryset(self, request: HttpRequest) -> Any:
        # an admin manages their own agency's accounts (access-policy.md); others are as if missing
        actor = request.user
        if not isinstance(actor, User):
            return super().get_queryset(request).none()
        return super().get_queryset(request).filter(agency_id=actor.agency_id)

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm[User], change: bool) -> None:
        actor = request.user
        assert isinstance(actor, User)
        if not change:
            created = services.user_create(
                actor=actor,
                username=obj.username,
                name=obj.name,
                agency=obj.agency,
                password=form.cleaned_data["password"],
                roles=_roles(obj),
                gender=obj.gender,
            )
            obj.pk = created.pk
            return
        fresh = User.objects.get(pk=obj.pk)
        services.user_update(
            actor=actor, user=fresh, name=obj.name, agency=obj.agency, roles=_roles(obj), gender=obj.gender
        )
        if fresh.is_active != obj.is_active:
            services.user_set_active(actor=actor, user=fresh, active=obj.is_active)

    @admin.action(description="Unlock the selected accounts")
    def unlock_accounts(self, request: HttpRequest, queryset: Any) -> None:
        actor = request.user
        assert isinstance(actor, User)
        for user in queryset:
            services.user_unlock(actor=actor, user=user, via="django-admin")


# Authenticators are reset from Haven's account page (audited, ends sessions), not edited by hand;
# Haven's roles are columns of the user, not Django groups.
for _model in (TOTPDevice, Group):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
