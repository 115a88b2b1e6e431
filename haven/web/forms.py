"""Forms check the shape of what a person typed; the rules live in services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, cast

from django import forms

from haven.accounts.models import AccountChangeKind, Agency, AgencyType, Gender, InterviewerRole, Role
from haven.audit.events import Outcome
from haven.encounters.models import person_code_validator


class SignInForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Authentication code",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label="New password",
        strip=False,
        help_text="At least 12 characters; a few unrelated words make a strong one.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", "The two new passwords differ.")
        return data


class AgencyForm(forms.Form):
    slug = forms.RegexField(
        label="Plan id",
        regex=r"^[a-z0-9][a-z0-9-]{0,39}$",
        max_length=40,
        help_text="The agency's id in plan files: 1–40 lower-case letters, digits or '-'.",
        error_messages={"invalid": "Use 1–40 lower-case letters, digits or '-'."},
    )
    name = forms.CharField(label="Name", max_length=200)
    type = forms.ChoiceField(label="Type", choices=AgencyType.choices)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["slug"].disabled = True
            # a type change takes two admins: proposed on the changes page, never saved from here
            self.fields["type"].disabled = True
            self.fields["type"].help_text = "Changing the type takes two admins: propose it under Changes."
            self.fields["is_active"] = forms.BooleanField(
                label="Active",
                required=False,
                help_text="Deactivating ends every session of its users at once and refuses their sign-in.",
            )


def _agency_choices() -> list[tuple[str, str]]:
    return [(str(a.pk), f"{a.name} ({a.slug})") for a in Agency.objects.filter(is_active=True)]


def _roles_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label="Roles besides member",
        required=False,
        choices=[c for c in Role.choices if c[0] != Role.MEMBER],
        widget=forms.CheckboxSelectMultiple,
    )


def _gender_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Gender (for interview preferences)",
        required=False,
        choices=[("", "Not stated"), *Gender.choices],
    )


class UserForm(forms.Form):
    username = forms.RegexField(
        label="Username",
        regex=r"^[a-z0-9][a-z0-9._-]{1,149}$",
        max_length=150,
        error_messages={"invalid": "Use 2–150 lower-case letters, digits, '.', '_' or '-'."},
    )
    name = forms.CharField(label="Full name", max_length=200)
    roles = _roles_field()
    gender = _gender_field()
    interviewer_roles = forms.MultipleChoiceField(
        label="Qualified to interview as",
        required=False,
        choices=InterviewerRole.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.CharField(
        label="Languages spoken (BCP 47 tags, comma-separated: en, es, yue, zh-Hant)",
        required=False,
        max_length=400,
    )
    password = forms.CharField(
        label="Initial password",
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; the person changes it after signing in.",
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["username"].disabled = True
            del self.fields["password"]
        else:
            self.fields["password"].required = True

    def clean_languages(self) -> list[str]:
        raw = self.cleaned_data.get("languages") or ""
        # the service checks each tag and keeps it in its canonical form (haven.core.languages)
        return [code.strip() for code in raw.replace(";", ",").split(",") if code.strip()]


class ProposalForm(forms.Form):
    """One of the two-person changes, with the fields its kind needs (the service decides whether it may be
    proposed and whether it is valid). Each kind's form has its own prefix: they share a page."""

    FIELDS: ClassVar[dict[str, tuple[str, ...]]] = {
        AccountChangeKind.CREATE_ACCOUNT: ("username", "name", "agency", "roles", "gender"),
        AccountChangeKind.MOVE_ACCOUNT: ("user", "agency"),
        AccountChangeKind.CHANGE_AGENCY_TYPE: ("agency", "agency_type"),
        AccountChangeKind.DEACTIVATE_AGENCY: ("agency",),
        AccountChangeKind.REACTIVATE_AGENCY: ("agency",),
    }

    username = forms.CharField(label="Username", max_length=150)
    name = forms.CharField(label="Full name", max_length=200)
    agency = forms.ChoiceField(label="Agency")
    roles = _roles_field()
    gender = _gender_field()
    user = forms.ChoiceField(label="Account of your agency")
    agency_type = forms.ChoiceField(label="New type", choices=AgencyType.choices)

    def __init__(
        self, *args: Any, kind: str, accounts: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        kwargs["prefix"] = kind
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in [n for n in self.fields if n not in self.FIELDS[kind]]:
            del self.fields[name]
        if "agency" in self.fields:
            labels: dict[str, str] = {
                AccountChangeKind.MOVE_ACCOUNT: "To agency",
                AccountChangeKind.DEACTIVATE_AGENCY: "Agency to deactivate",
                AccountChangeKind.REACTIVATE_AGENCY: "Agency to reactivate",
            }
            label = labels.get(kind, "Agency")
            self.fields["agency"].label = label
            cast(forms.ChoiceField, self.fields["agency"]).choices = _agency_choices()
        if "user" in self.fields:
            cast(forms.ChoiceField, self.fields["user"]).choices = list(accounts)


class DecisionForm(forms.Form):
    """Approving a new account: the approver gives its first password (the proposer never knows it)."""

    password = forms.CharField(
        label="First password for the new account",
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Give it to the person yourself; they change it when they first sign in.",
    )


class AuditFilterForm(forms.Form):
    user = forms.CharField(label="User", required=False, max_length=150, help_text="Username, exactly")
    person = forms.CharField(
        label="Person",
        required=False,
        max_length=8,
        help_text="Pseudonymous code, e.g. P-002",
    )
    record = forms.CharField(label="Record id", required=False, max_length=64, help_text="As events name it")
    event_type = forms.ChoiceField(label="Event type", required=False)
    outcome = forms.ChoiceField(label="Outcome", required=False)
    since = forms.DateTimeField(
        label="From (UTC)", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    until = forms.DateTimeField(
        label="Until (UTC)", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args: Any, event_types: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["event_type"]).choices = [("", "All events"), *event_types]
        cast(forms.ChoiceField, self.fields["outcome"]).choices = [("", "Any outcome"), *Outcome.choices]

    def clean_person(self) -> str:
        code = str(self.cleaned_data.get("person") or "").strip().upper()
        if code:
            person_code_validator(code)
        return code

    def clean_record(self) -> str:
        return str(self.cleaned_data.get("record") or "").strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "Must be after 'From'.")
        return data
