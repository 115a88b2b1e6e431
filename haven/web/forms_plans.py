"""The new-operation form: the `operation` section of a first plan, and who leads.

The form only shapes what was typed into a plan document; the parser and `operation_create` judge it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from haven.accounts.models import Agency
from haven.plans import PLAN_FORMAT
from haven.plans.formats import OperationKind
from haven.web.plan_forms.fields import Choice, PlanValue, Text, Timestamp

#: The fields of the form that hold the plan's `operation` section, by their key in it.
OPERATION_FIELDS = ("code", "name", "kind", "starts_at", "ends_at", "lead_agency")


class NewOperationForm(forms.Form):
    code = Text(
        "Code",
        help_text="3 to 32 upper-case letters, digits and hyphens, unique in the task force (e.g. NL-2026-12).",
    )
    name = Text("Name", help_text="e.g. Operation Northern Light")
    kind = Choice("Kind", [(k.value, k.value.capitalize()) for k in OperationKind])
    starts_at = Timestamp("Starts at")
    ends_at = Timestamp("Ends at")
    lead_agency = Choice("Lead agency", (), help_text="Your agency unless another leads the action.")
    exercise = forms.BooleanField(label="This is a tabletop exercise (fictional data only)", required=False)

    def __init__(self, *args: Any, agencies: Sequence[Agency], own: Agency, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"lead_agency": own.slug, "kind": OperationKind.PROACTIVE.value})
        super().__init__(*args, **kwargs)
        self.agencies = {agency.slug: agency for agency in agencies}
        self.own = own
        lead = self.fields["lead_agency"]
        assert isinstance(lead, Choice)
        current = self.data.get(self.add_prefix("lead_agency")) if self.is_bound else own.slug
        lead.set_choices(current, [(a.slug, f"{a.name} ({a.slug})") for a in agencies])

    def plan_data(self) -> dict[str, object]:
        """The first plan: this operation, the creator's agency (and the lead agency, if another), and
        the creator's agency on the full plan. Call after `is_valid()`."""
        operation: dict[str, object] = {}
        for name in OPERATION_FIELDS:
            field = self.fields[name]
            assert isinstance(field, PlanValue)
            value = field.to_plan(self.cleaned_data.get(name))
            if value is not None:
                operation[name] = value
        listed = [self.own]
        lead = self.agencies.get(str(operation.get("lead_agency", "")))
        if lead is not None and lead.slug != self.own.slug:
            listed.append(lead)
        return {
            "format": PLAN_FORMAT,
            "operation": operation,
            "agencies": [{"id": a.slug, "name": a.name, "type": a.type} for a in listed],
            "distribution": {"full_plan": [self.own.slug]},
        }
