"""Form fields for plan values: each knows how the file writes its value and how a person types it.

The fields check nothing about the plan: a value that does not fit (a word where a number belongs, a
timestamp without its offset) goes into the plan document as typed, and the plan parser refuses it with
the path of the field, so every refusal is worded once, in `haven.plans`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Final

from django import forms

Choices = Sequence[tuple[str, str]]

_WHOLE_NUMBER: Final = re.compile(r"[+-]?\d{1,12}")
_TIMESTAMP_PARTS: Final = re.compile(r"(?P<local>.*?)(?P<offset>Z|z|[+-]\d{2}:?\d{2})?")
_OFFSET_WITHOUT_COLON: Final = re.compile(r"([+-]\d{2})(\d{2})")


class PlanValue:
    """How a field's value in the form maps to the plan's data (`None`: the key is left out) and back."""

    def from_plan(self, value: object) -> object:
        raise NotImplementedError

    def to_plan(self, value: Any) -> object:
        raise NotImplementedError


class Text(PlanValue, forms.CharField):
    """Free text; blank is absent (the plan format treats an empty string as absent)."""

    def __init__(self, label: str, *, help_text: str = "", long: bool = False) -> None:
        widget = forms.Textarea(attrs={"rows": 2}) if long else forms.TextInput()
        super().__init__(label=label, required=False, strip=False, help_text=help_text, widget=widget)
        self.long = long

    def from_plan(self, value: object) -> object:
        return "" if value is None else str(value)

    def to_plan(self, value: Any) -> object:
        text = str(value or "")
        if self.long:
            text = text.replace("\r\n", "\n")
        return text if text.strip() else None


class Count(PlanValue, forms.CharField):
    """A whole number; anything else is passed on for the parser to refuse with its path."""

    def __init__(self, label: str, *, help_text: str = "") -> None:
        super().__init__(
            label=label,
            required=False,
            help_text=help_text,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "input--short"}),
        )

    def from_plan(self, value: object) -> object:
        return "" if value is None else str(value)

    def to_plan(self, value: Any) -> object:
        text = str(value or "").strip()
        if not text:
            return None
        return int(text) if _WHOLE_NUMBER.fullmatch(text) else text


class Flag(PlanValue, forms.ChoiceField):
    """Yes, no, or not stated (the file leaves the key out)."""

    def __init__(self, label: str, *, help_text: str = "") -> None:
        super().__init__(
            label=label,
            required=False,
            help_text=help_text,
            choices=[("", "Not stated"), ("yes", "Yes"), ("no", "No")],
        )

    def from_plan(self, value: object) -> object:
        return {True: "yes", False: "no"}.get(value, "") if isinstance(value, bool) else ""

    def to_plan(self, value: Any) -> object:
        return {"yes": True, "no": False}.get(str(value or ""))


class Choice(PlanValue, forms.CharField):
    """One value of a vocabulary of the format, from a list."""

    def __init__(
        self, label: str, choices: Choices = (), *, blank: str = "— choose —", help_text: str = ""
    ) -> None:
        self.blank = blank
        self.options: list[tuple[str, str]] = list(choices)
        super().__init__(
            label=label,
            required=False,
            help_text=help_text,
            widget=forms.Select(choices=[("", blank), *choices]),
        )

    def set_choices(self, current: object = None, choices: Choices | None = None) -> None:
        """The options offered; a current value that is not one of them stays visible and selected, so
        that posting the form back keeps it (and the parser says what is wrong with it)."""
        if choices is not None:
            self.options = list(choices)
        options = [("", self.blank), *self.options]
        if isinstance(current, str) and current and current not in {value for value, _ in self.options}:
            options.append((current, current))
        self.widget.choices = options

    def from_plan(self, value: object) -> object:
        return "" if value is None else str(value)

    def to_plan(self, value: Any) -> object:
        text = str(value or "").strip()
        return text or None


class AgencyRef(Choice):
    """An agency id of the same plan, chosen from the plan's agencies."""

    def __init__(self, label: str, *, blank: str = "— none —", help_text: str = "") -> None:
        super().__init__(label, (), blank=blank, help_text=help_text)


class Picks(PlanValue, forms.MultipleChoiceField):
    """Several values of a list, as check boxes; the order of the file is kept (checked ones first)."""

    def __init__(self, label: str, choices: Choices = (), *, help_text: str = "") -> None:
        super().__init__(
            label=label,
            required=False,
            help_text=help_text,
            choices=choices,
            widget=forms.CheckboxSelectMultiple(attrs={"class": "picks"}),
        )
        self.base_choices: list[tuple[str, str]] = list(choices)

    def valid_value(self, value: str) -> bool:
        return True  # the parser judges the values, and names their paths

    def arrange(self, selected: Iterable[str], choices: Choices | None = None) -> None:
        """Offer the selected values first, in their order (so that posting them back keeps it)."""
        if choices is not None:
            self.base_choices = list(choices)
        labels = dict(self.base_choices)
        chosen = list(dict.fromkeys(str(value) for value in selected))
        self.choices = [(value, labels.get(value, value)) for value in chosen] + [
            (value, label) for value, label in self.base_choices if value not in chosen
        ]

    def from_plan(self, value: object) -> object:
        return [str(item) for item in value] if isinstance(value, list) else []

    def to_plan(self, value: Any) -> object:
        items = [str(item) for item in (value or [])]
        return items or None


class AgencyPicks(Picks):
    """Several agency ids of the same plan."""


class Codes(PlanValue, forms.CharField):
    """Language tags typed as a list: `es, yue, zh-Hant` (the plan parser checks each and keeps it in its
    canonical form, haven.core.languages)."""

    def __init__(self, label: str, *, help_text: str = "") -> None:
        super().__init__(
            label=label,
            required=False,
            help_text=help_text
            or "BCP 47 language tags separated by commas, e.g. es, yue (Cantonese), zh-Hant",
            widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
        )

    def from_plan(self, value: object) -> object:
        return ", ".join(str(item) for item in value) if isinstance(value, list) else ""

    def to_plan(self, value: Any) -> object:
        items = [item for item in re.split(r"[\s,;]+", str(value or "")) if item]
        return items or None


class ExpectedLanguages(Codes):
    """The languages expected besides English, where `en` alone says "English only" (stored as the empty
    list, readiness.md) and an empty field says nothing yet (the key is left out, and populations.stated
    fails)."""

    def from_plan(self, value: object) -> object:
        return "en" if value == [] else super().from_plan(value)

    def to_plan(self, value: Any) -> object:
        items = super().to_plan(value)
        return [] if isinstance(items, list) and [i.lower() for i in items] == ["en"] else items


class Lines(PlanValue, forms.CharField):
    """A free list of strings, one per line."""

    def __init__(self, label: str, *, help_text: str = "One per line.") -> None:
        super().__init__(
            label=label, required=False, help_text=help_text, widget=forms.Textarea(attrs={"rows": 3})
        )

    def from_plan(self, value: object) -> object:
        return "\n".join(str(item) for item in value) if isinstance(value, list) else ""

    def to_plan(self, value: Any) -> object:
        items = [line.strip() for line in str(value or "").splitlines() if line.strip()]
        return items or None


class Day(PlanValue, forms.CharField):
    """A calendar date, `YYYY-MM-DD`."""

    def __init__(self, label: str, *, help_text: str = "") -> None:
        super().__init__(
            label=label,
            required=False,
            help_text=help_text,
            widget=forms.TextInput(attrs={"type": "date", "class": "input--date"}),
        )

    def from_plan(self, value: object) -> object:
        return "" if value is None else str(value)

    def to_plan(self, value: Any) -> object:
        text = str(value or "").strip()
        return text or None


def split_timestamp(value: object) -> list[str]:
    """`2026-12-03T05:00:00-05:00` → the local date and time as a `datetime-local` input shows it, and the
    offset. Seconds are shown only when there are some."""
    text = str(value or "").strip()
    match = _TIMESTAMP_PARTS.fullmatch(text)
    if match is None:  # pragma: no cover - the pattern matches every text
        return [text, ""]
    local, offset = match.group("local"), match.group("offset") or ""
    try:
        moment = datetime.fromisoformat(local)
    except ValueError:
        return [local, offset]
    clock = "%H:%M:%S" if moment.second else "%H:%M"
    if moment.microsecond:
        return [local, offset]
    return [moment.strftime(f"%Y-%m-%dT{clock}"), offset]


def join_timestamp(local: str, offset: str) -> str:
    """The two inputs as one ISO 8601 timestamp; what is missing stays missing, for the parser to name."""
    local, offset = local.strip(), offset.strip()
    if offset.upper() in {"Z", "UTC"}:
        offset = "+00:00"
    offset = _OFFSET_WITHOUT_COLON.sub(r"\1:\2", offset) if len(offset) == 5 else offset
    return f"{local}{offset}"


class TimestampWidget(forms.MultiWidget):
    """A `datetime-local` input and a UTC offset input, each with its own label."""

    template_name = "web/operations/widgets/timestamp.html"

    def __init__(self) -> None:
        super().__init__(
            widgets={
                "local": forms.TextInput(attrs={"type": "datetime-local"}),
                "offset": forms.TextInput(
                    attrs={
                        "class": "input--offset",
                        "autocomplete": "off",
                        "spellcheck": "false",
                        "data-utc-offset": "",
                        "placeholder": "±hh:mm",
                    }
                ),
            }
        )

    def decompress(self, value: Any) -> list[str]:
        return split_timestamp(value) if value else ["", ""]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        local = context["widget"]["subwidgets"][0]
        if re.search(r"T\d{2}:\d{2}:\d{2}", str(local.get("value") or "")):
            local["attrs"]["step"] = "1"  # a value with seconds: let the input show and keep them
        return context


class Timestamp(PlanValue, forms.MultiValueField):
    """A moment with its UTC offset, as the plan file writes it (`2026-12-03T05:00:00-05:00`)."""

    widget = TimestampWidget

    def __init__(self, label: str, *, help_text: str = "") -> None:
        super().__init__(
            fields=(forms.CharField(required=False), forms.CharField(required=False)),
            require_all_fields=False,
            required=False,
            label=label,
            help_text=help_text
            or "Local date and time, and its offset from UTC (e.g. -05:00 for US Eastern winter time).",
        )

    def compress(self, data_list: list[Any]) -> str:
        local, offset = [*(str(part or "") for part in data_list), "", ""][:2]
        return join_timestamp(local, offset)

    def from_plan(self, value: object) -> object:
        return "" if value is None else str(value)

    def to_plan(self, value: Any) -> object:
        text = str(value or "").strip()
        return text or None
