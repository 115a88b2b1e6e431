"""Forms of the live board and the person page. They check the shape of what a person typed and turn it
into a service's arguments; every rule (who may, what is allowed, the guardrails) lives in the services
and the policy."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from haven.accounts.models import Agency, AgencyType, InterviewerRole, User
from haven.core.clock import FIRST_YEAR, LAST_YEAR, plausible_year
from haven.core.languages import OFFERED, language_label, language_name
from haven.core.problems import Problem
from haven.encounters.models import (
    Consent,
    DesignationStatus,
    NeedsAssessment,
    Person,
    Population,
    Priority,
    ReliefKind,
    ReliefStatus,
    ServiceKind,
    ServiceStatus,
    Sign,
    VictimServiceKind,
)
from haven.encounters.stages import STAGE_LABELS, Stage
from haven.operations.models import Area, InterviewLocation, Operation
from haven.web.timezones import label_times

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"

CONSENT_ITEM_LABELS = {
    "needs_details": "Needs assessment in full",
    "safety_plan": "Safety plan",
    "services": "Services",
    "contact": "Contact details",
}


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATETIME_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _text(rows: int = 3, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


class ActionForm(forms.Form):
    """A form that can take a service's problems onto its fields. `renames` maps a problem's path to the
    form's field where the two differ; any other path becomes an error of the whole form."""

    renames: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        label_times(self)
        for field in self.fields.values():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                field.validators.append(_plausible_year)

    def add_problems(self, problems: list[Problem]) -> None:
        for problem in problems:
            name = self.renames.get(problem.path, problem.path)
            self.add_error(name if name in self.fields else None, problem.message)


def _plausible_year(value: Any) -> None:
    if value is not None and not plausible_year(value):
        raise forms.ValidationError(f"Give a date between the years {FIRST_YEAR} and {LAST_YEAR}.")


def set_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def language_choices(first: list[str]) -> list[tuple[str, str]]:
    """The person's languages first, then English, then the languages offered by name
    (haven.core.languages.OFFERED)."""
    leading = list(dict.fromkeys([*first, "en"]))
    rest = sorted((c for c in OFFERED if c not in leading), key=language_name)
    return [(code, language_label(code)) for code in [*leading, *rest]]


#: The needs of an assessment as the pages name them (NeedsAssessment.NEEDS, in order).
NEED_LABELS = {
    "medical": "Medical",
    "shelter": "Shelter",
    "food": "Food",
    "safety": "Safety",
    "clothing": "Clothing",
    "contact": "Contact with family or others",
    "childcare": "Childcare",
    "transportation": "Transportation",
    "legal": "Legal",
    "counseling": "Counseling",
}


def split_codes(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text.strip()) if part]


# --- the board -------------------------------------------------------------------------------------


class BoardFilterForm(forms.Form):
    stage = forms.ChoiceField(label="Stage", required=False)
    area = forms.ChoiceField(label="Area", required=False)

    def __init__(self, data: Any, *, areas: list[tuple[str, str]]) -> None:
        super().__init__(data, auto_id="filter_%s")
        set_choices(self, "stage", [("", "All stages"), *((s.value, STAGE_LABELS[s]) for s in Stage)])
        set_choices(self, "area", [("", "All areas"), *areas])

    def chosen(self) -> tuple[str, str]:
        if not self.is_valid():
            return "", ""
        return self.cleaned_data["stage"], self.cleaned_data["area"]


class RegisterForm(ActionForm):
    code = forms.CharField(
        label="Code",
        max_length=8,
        help_text="A pseudonymous code such as P-004 — never a name.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    tags = forms.MultipleChoiceField(
        label="Population", choices=Population.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.CharField(
        label="Languages",
        required=False,
        help_text="BCP 47 language tags, separated by commas: es, yue (Cantonese), zh-Hant",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    priority = forms.ChoiceField(label="Priority", choices=Priority.choices, initial=Priority.NORMAL)
    interviewer_gender = forms.ChoiceField(
        label="Interviewer gender the person asked for",
        choices=[("", "No preference stated"), ("female", "Female"), ("male", "Male")],
        required=False,
    )
    area = forms.ChoiceField(label="Area", required=False)
    encountered_at = forms.DateTimeField(
        label="Encountered at",
        required=False,
        help_text="Leave empty for now.",
        widget=DateTimeLocalInput(),
    )

    def __init__(self, data: Any = None, *, areas: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(data, auto_id="register_%s", **kwargs)
        set_choices(self, "area", [("", "Not placed yet"), *_area_choices(areas)])

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "code": data["code"].strip().upper(),
            "tags": data["tags"],
            "languages": split_codes(data["languages"]),
            "priority": data["priority"],
            "interviewer_gender": data["interviewer_gender"],
            "area": data["area"] or None,
            "encountered_at": data["encountered_at"] or timezone.now(),
        }


def _area_choices(areas: QuerySet[Area]) -> list[tuple[str, str]]:
    return [(a.plan_id, f"{a.name} ({a.get_holds_display().lower()})") for a in areas]


# --- the person page -------------------------------------------------------------------------------


class PlaceForm(ActionForm):
    area = forms.ChoiceField(label="Area")

    def __init__(self, data: Any = None, *, areas: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(data, auto_id="place_%s", **kwargs)
        set_choices(self, "area", [("", "Choose an area"), *_area_choices(areas)])


class DesignationForm(ActionForm):
    status = forms.ChoiceField(label="Designation", choices=DesignationStatus.choices)
    move_to = forms.ChoiceField(
        label="Move to",
        required=False,
        help_text="A person designated suspect in an area that holds potential victims is moved in the same "
        "step; left there, the separation alert stays open.",
    )

    def __init__(self, data: Any = None, *, areas: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(data, auto_id="designation_%s", **kwargs)
        set_choices(self, "move_to", [("", "Stays where they are"), *_area_choices(areas)])


class PersonCodeField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.code)


class InterviewerField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        roles = ", ".join(InterviewerRole(r).label.lower() for r in obj.interviewer_roles)
        gender = f", {obj.gender}" if obj.gender else ""
        languages = ", ".join(language_name(c) for c in obj.language_codes) or "no language recorded"
        return f"{obj.name} ({languages}) — {obj.agency.name} ({roles}{gender})"


class InterpreterField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        languages = ", ".join(language_name(c) for c in obj.language_codes)
        return f"{obj.name} ({languages})" if languages else str(obj.name)


class ObservationForm(ActionForm):
    signs = forms.MultipleChoiceField(
        label="Signs seen", choices=Sign.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    text = forms.CharField(label="What was seen", required=False, max_length=2000, widget=_text())
    towards = PersonCodeField(
        label="Towards",
        queryset=Person.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="Nobody in particular",
        help_text="The person the signs were shown towards, if any.",
    )

    def __init__(self, data: Any = None, *, others: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(data, auto_id="observation_%s", **kwargs)
        field = self.fields["towards"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = others


class NeedsForm(ActionForm):
    urgent = forms.MultipleChoiceField(
        label="Urgent",
        choices=[(d, d.capitalize()) for d in NeedsAssessment.URGENT_DOMAINS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    medical = forms.CharField(label="Medical", required=False, max_length=2000, widget=_text())
    medications = forms.CharField(
        label="Medications",
        required=False,
        max_length=500,
        help_text="Medicines the person takes or needs, with doses if known.",
    )
    shelter = forms.CharField(label="Shelter", required=False, max_length=2000, widget=_text(2))
    food = forms.CharField(label="Food", required=False, max_length=2000, widget=_text(2))
    safety = forms.CharField(label="Safety", required=False, max_length=2000, widget=_text(2))
    clothing = forms.CharField(
        label=NEED_LABELS["clothing"], required=False, max_length=2000, widget=_text(2)
    )
    contact = forms.CharField(
        label=NEED_LABELS["contact"],
        required=False,
        max_length=2000,
        widget=_text(2),
        help_text="Whom the person wants to reach, or must not be reached — never their contact details here.",
    )
    childcare = forms.CharField(
        label=NEED_LABELS["childcare"], required=False, max_length=2000, widget=_text(2)
    )
    transportation = forms.CharField(
        label=NEED_LABELS["transportation"], required=False, max_length=2000, widget=_text(2)
    )
    legal = forms.CharField(label=NEED_LABELS["legal"], required=False, max_length=2000, widget=_text(2))
    counseling = forms.CharField(
        label=NEED_LABELS["counseling"], required=False, max_length=2000, widget=_text(2)
    )
    language = forms.ChoiceField(label="Language the person prefers", required=False)
    language_notes = forms.CharField(label="Language notes", required=False, max_length=500, widget=_text(2))
    concerns = forms.CharField(
        label="The person's concerns",
        required=False,
        max_length=4000,
        widget=_text(3),
        help_text="What the person is worried about, in their words.",
    )

    def __init__(self, data: Any = None, *, languages: list[str], **kwargs: Any) -> None:
        super().__init__(data, auto_id="needs_%s", **kwargs)
        set_choices(self, "language", [("", "—"), *language_choices(languages)])

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        medical = data["medical"].strip()
        if data["medications"].strip():
            medical = f"{medical}\nMedications: {data['medications'].strip()}".strip()
        return {
            "urgent": data["urgent"],
            **{name: data[name] for name in NEED_LABELS},
            "medical": medical,
            "language": data["language"],
            "language_notes": data["language_notes"],
            "concerns": data["concerns"],
        }


class InformationForm(ActionForm):
    materials = forms.MultipleChoiceField(
        label="Materials given", required=False, widget=forms.CheckboxSelectMultiple
    )
    language = forms.ChoiceField(label="Language used")
    questions = forms.CharField(
        label="The person's questions",
        required=False,
        max_length=4000,
        widget=_text(),
        help_text="Only your agency can read the questions and answers.",
    )
    answers = forms.CharField(label="Answers given", required=False, max_length=4000, widget=_text())

    def __init__(
        self,
        data: Any = None,
        *,
        materials: list[tuple[str, list[str]]],
        languages: list[str],
        **kwargs: Any,
    ) -> None:
        """`materials`: the plan's, each with the languages it exists in; `languages`: the person's."""
        super().__init__(data, auto_id="information_%s", **kwargs)
        set_choices(
            self,
            "materials",
            [(title, f"{title} ({', '.join(language_name(t) for t in held)})") for title, held in materials],
        )
        language = self.fields["language"]
        if languages:
            set_choices(self, "language", [(tag, language_label(tag)) for tag in languages])
            language.help_text = "One of the person's languages that every material given exists in."
        else:
            set_choices(self, "language", [("", "No language recorded")])
            language.help_text = (
                "No language is recorded for this person: record it on the roster, or in the needs "
                "assessment, first."
            )


class VictimServiceForm(ActionForm):
    """One part of the provider's own record; `kind` says which (safety plan, service, case note,
    contact details)."""

    renames = {"kind": "service_kind", "status": "service_status"}
    kind = forms.ChoiceField(choices=VictimServiceKind.choices, widget=forms.HiddenInput)
    service_kind = forms.ChoiceField(
        label="Service", choices=[("", "Choose a service"), *ServiceKind.choices], required=False
    )
    service_status = forms.ChoiceField(
        label="Status", choices=ServiceStatus.choices, required=False, widget=forms.RadioSelect
    )
    text = forms.CharField(label="Text", required=False, max_length=4000, widget=_text(4))

    LABELS = {
        VictimServiceKind.SAFETY_PLAN: "Safety plan",
        VictimServiceKind.SERVICE: "Notes",
        VictimServiceKind.CASE_NOTE: "Case note",
        VictimServiceKind.CONTACT: "Contact details",
    }

    def __init__(self, data: Any = None, *, kind: str, **kwargs: Any) -> None:
        super().__init__(data, auto_id=f"{kind}_%s", initial={"kind": kind}, **kwargs)
        self.fields["text"].label = self.LABELS[VictimServiceKind(kind)]
        if kind != VictimServiceKind.SERVICE:
            del self.fields["service_kind"]
            del self.fields["service_status"]


class AttorneyNoteForm(ActionForm):
    text = forms.CharField(label="Note", max_length=4000, widget=_text(4))

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, auto_id="attorney_%s", **kwargs)


class ConsentForm(ActionForm):
    recipient = forms.ModelChoiceField(
        label="Released to", queryset=Agency.objects.none(), empty_label="Choose one agency"
    )
    items = forms.MultipleChoiceField(
        label="What it releases",
        choices=[(i, CONSENT_ITEM_LABELS[i]) for i in Consent.ITEMS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    purpose = forms.CharField(label="Purpose", max_length=1000, required=False, widget=_text(2))
    in_writing = forms.BooleanField(label="The person gave this consent in writing", required=False)
    given_on = forms.DateField(label="Given on", widget=DateInput())
    expires_on = forms.DateField(
        label="Expires on", widget=DateInput(), help_text="At most one year after it was given."
    )
    guardian = forms.CharField(
        label="Consenting parent or guardian",
        required=False,
        max_length=200,
        help_text="Name and relationship.",
    )
    minor_may_consent = forms.CharField(
        label="Or: the legal basis for the minor's own consent", required=False, max_length=300
    )

    def __init__(
        self, data: Any = None, *, recipients: QuerySet[Agency], minor: bool, today: date, **kwargs: Any
    ) -> None:
        super().__init__(data, auto_id="consent_%s", **kwargs)
        field = self.fields["recipient"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = recipients
        # today on the operation's clock (after 19:00 at UTC−05:00, UTC's day is already tomorrow)
        self.fields["given_on"].initial = today
        if not minor:
            del self.fields["guardian"]
            del self.fields["minor_may_consent"]


class ConsentRevokeForm(ActionForm):
    how = forms.ChoiceField(
        label="The person withdrew this consent",
        choices=[("orally", "Orally"), ("in_writing", "In writing")],
        widget=forms.RadioSelect,
    )

    def __init__(self, data: Any = None, *, consent_id: Any, **kwargs: Any) -> None:
        super().__init__(data, auto_id=f"revoke_{consent_id}_%s", **kwargs)


def interviewers_on(operation: Operation) -> QuerySet[User]:
    """Users of agencies on the operation who are qualified for at least one interviewer role."""
    return (
        User.objects.filter(
            is_active=True, agency__participations__operation=operation, qualifications__isnull=False
        )
        .select_related("agency")
        .prefetch_related("qualifications", "languages")
        .distinct()
        .order_by("name")
    )


def interpreters_on(operation: Operation) -> QuerySet[User]:
    """Users of interpreter service agencies on the operation."""
    return (
        User.objects.filter(
            is_active=True,
            agency__type=AgencyType.INTERPRETER_SERVICE,
            agency__participations__operation=operation,
        )
        .prefetch_related("languages")
        .distinct()
        .order_by("name")
    )


class InterviewScheduleForm(ActionForm):
    interviewer = InterviewerField(
        label="Interviewer", queryset=User.objects.none(), empty_label="Choose the interviewer"
    )
    role = forms.ChoiceField(label="Interviewing as", choices=InterviewerRole.choices)
    location = forms.ModelChoiceField(
        label="Location", queryset=InterviewLocation.objects.none(), empty_label="Choose a location"
    )
    room = forms.CharField(label="Room", required=False, max_length=40)
    starts_at = forms.DateTimeField(label="Starts at", widget=DateTimeLocalInput())
    minutes = forms.IntegerField(label="Minutes", initial=60, min_value=1, max_value=480)
    interpreter = InterpreterField(
        label="Interpreter", queryset=User.objects.none(), required=False, empty_label="No interpreter"
    )

    def __init__(
        self,
        data: Any = None,
        *,
        interviewers: QuerySet[User],
        locations: QuerySet[InterviewLocation],
        interpreters: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, auto_id="interview_%s", **kwargs)
        for name, queryset in (
            ("interviewer", interviewers),
            ("location", locations),
            ("interpreter", interpreters),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset


class InterviewRecordForm(ActionForm):
    notes = forms.CharField(label="Official notes", max_length=20000, widget=_text(6))
    minutes = forms.IntegerField(label="Minutes it took", required=False, min_value=1, max_value=480)

    def __init__(self, data: Any = None, *, interview_id: Any, **kwargs: Any) -> None:
        super().__init__(data, auto_id=f"record_{interview_id}_%s", **kwargs)


class DangerRespondForm(ActionForm):
    response = forms.CharField(label="Response", max_length=300, widget=_text(2))

    def __init__(self, data: Any = None, *, flag_id: Any, **kwargs: Any) -> None:
        super().__init__(data, auto_id=f"respond_{flag_id}_%s", **kwargs)


class ChildWelfareForm(ActionForm):
    agency = forms.ModelChoiceField(
        label="Child welfare agency notified", queryset=Agency.objects.none(), empty_label="Choose the agency"
    )
    at = forms.DateTimeField(
        label="Notified at", required=False, help_text="Leave empty for now.", widget=DateTimeLocalInput()
    )

    def __init__(self, data: Any = None, *, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(data, auto_id="child_welfare_%s", **kwargs)
        field = self.fields["agency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = agencies


class ReliefForm(ActionForm):
    kind = forms.ChoiceField(label="Relief")
    status = forms.ChoiceField(label="Step", choices=ReliefStatus.choices)

    def __init__(self, data: Any = None, *, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(data, auto_id="relief_%s", **kwargs)
        set_choices(self, "kind", [(k, ReliefKind(k).label) for k in kinds])


class ReleaseForm(ActionForm):
    outcome = forms.ChoiceField(
        label="Outcome", choices=[("released", "Released"), ("transferred", "Transferred")]
    )
    reason = forms.CharField(
        label="Reason", max_length=200, help_text="For example: transferred to child welfare."
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, auto_id="release_%s", **kwargs)
