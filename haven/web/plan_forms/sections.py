"""One form per section of the plan file (`haven.operation-plan/v1`), and per entry of its lists.

Every field names the path of its value inside the entry (`contact_phone` → `contact.phone`); what is not
named here is not in the file, and what is in the file has a field here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.http import QueryDict

from haven.accounts.models import AgencyType
from haven.plans.formats import (
    ChannelKind,
    ConductedBy,
    Holds,
    OperationKind,
    Population,
    ResourceKind,
    Setting,
    SiteKind,
)
from haven.plans.wording import POPULATION_LABELS
from haven.web.plan_forms.fields import (
    AgencyPicks,
    AgencyRef,
    Choice,
    Choices,
    Codes,
    Count,
    Day,
    ExpectedLanguages,
    Flag,
    Lines,
    Picks,
    PlanValue,
    Text,
    Timestamp,
)

Path = tuple[str, ...]

POPULATIONS: Choices = tuple((p.value, POPULATION_LABELS[p.value]) for p in Population)
SERVED: Choices = (("all", POPULATION_LABELS["all"]), *POPULATIONS)


def _labelled(values: Sequence[str]) -> Choices:
    return [(value, value.replace("_", " ").capitalize()) for value in values]


SLUG_HELP = "Lower-case letters, digits and hyphens, unique in this list (e.g. harbor-rooms)."


class PlanForm(forms.Form):
    """A form for one entry of the plan: a section, or one entry of one of its lists."""

    #: field name → path of its value in the entry; a field not named here sits at its own name.
    paths: ClassVar[Mapping[str, Path]] = {}

    def __init__(
        self,
        *args: Any,
        agencies: Choices = (),
        vocabularies: Mapping[str, Choices] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        vocabularies = vocabularies or {}
        for name, field in self.fields.items():
            current = self._current(name)
            if isinstance(field, AgencyPicks):
                field.arrange(current if isinstance(current, list) else [], agencies)
            elif isinstance(field, Picks):
                field.arrange(current if isinstance(current, list) else [], vocabularies.get(name))
            elif isinstance(field, AgencyRef):
                field.set_choices(current, agencies)
            elif isinstance(field, Choice):
                field.set_choices(current)

    def _current(self, name: str) -> object:
        if self.is_bound:
            key = self.add_prefix(name)
            if isinstance(self.fields[name], Picks) and isinstance(self.data, QueryDict):
                return self.data.getlist(key)
            return self.data.get(key)
        return self.initial.get(name)

    @classmethod
    def path_of(cls, name: str) -> Path:
        return cls.paths.get(name, (name,))

    @classmethod
    def initial_from(cls, entry: object) -> dict[str, object]:
        """The form's initial values from an entry of the plan document."""
        initial: dict[str, object] = {}
        for name, field in cls.base_fields.items():
            node: object = entry
            for key in cls.path_of(name):
                node = node.get(key) if isinstance(node, Mapping) else None
            initial[name] = field.from_plan(node) if isinstance(field, PlanValue) else node
        return initial

    def to_plan(self) -> dict[str, object]:
        """The entry as plan data; keys whose value is absent are left out (call after `is_valid`)."""
        entry: dict[str, object] = {}
        for name, field in self.fields.items():
            assert isinstance(field, PlanValue)
            value = field.to_plan(self.cleaned_data.get(name))
            if value is None:
                continue
            node = entry
            *parents, last = self.path_of(name)
            for key in parents:
                child = node.setdefault(key, {})
                assert isinstance(child, dict)
                node = child
            node[last] = value
        return entry

    def field_for(self, rest: Sequence[str | int]) -> str | None:
        """The field that holds the value at this path (relative to the entry), if any."""
        best: tuple[int, str] | None = None
        for name in self.fields:
            path = self.path_of(name)
            if tuple(rest[: len(path)]) == path and (best is None or len(path) > best[0]):
                best = (len(path), name)
        return best[1] if best else None


# -- the sections -------------------------------------------------------------------------------------------


class OperationForm(PlanForm):
    code = Text("Code", help_text="An operation keeps its code.")
    name = Text("Name")
    kind = Choice("Kind", _labelled([k.value for k in OperationKind]))
    starts_at = Timestamp("Starts at")
    ends_at = Timestamp("Ends at")
    lead_agency = AgencyRef("Lead agency", blank="— choose —")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].disabled = True


class AgencyForm(PlanForm):
    id = Text(
        "Plan id",
        help_text="How the plan names this agency: lower-case letters, digits and hyphens (e.g. harbor-vs). "
        "An id Haven does not know yet adds the agency to Haven when you save.",
    )
    name = Text("Name")
    type = Choice("Type", AgencyType.choices)
    responsibilities = Lines("Responsibilities", help_text="One per line.")
    contact_name = Text("Point of contact: name")
    contact_phone = Text("Phone")
    contact_email = Text("Email")
    contact_radio = Text("Radio call sign")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the directory of agencies Haven knows (a datalist in the agencies section)
        self.fields["id"].widget.attrs["list"] = "agency-directory"

    paths = {
        "contact_name": ("contact", "name"),
        "contact_phone": ("contact", "phone"),
        "contact_email": ("contact", "email"),
        "contact_radio": ("contact", "radio"),
    }


class MouForm(PlanForm):
    title = Text("Title")
    signed_on = Day("Signed on")
    expires_on = Day("Expires on", help_text="Leave empty if it does not expire.")
    parties = AgencyPicks("Parties")
    covers = Lines(
        "Covers",
        help_text="One topic per line, e.g. confidentiality, client_consent, professional_obligations, "
        "information_sharing.",
    )


class CommunicationsForm(PlanForm):
    coordinator = AgencyRef("Coordinating agency")
    command_post = Text("Command post")


class ChannelForm(PlanForm):
    name = Text("Name", help_text="e.g. TAC-3, Services line")
    kind = Choice("Kind", _labelled([k.value for k in ChannelKind]))
    parties = AgencyPicks("Agencies on this channel")


class DistributionForm(PlanForm):
    full_plan = AgencyPicks("Full plan (investigative agencies)")
    service_briefing = AgencyPicks("Service briefing (need to know)")


class SiteForm(PlanForm):
    id = Text("Site id", help_text=SLUG_HELP)
    name = Text("Name")
    address = Text("Address")
    kind = Choice("Kind", _labelled([k.value for k in SiteKind]))


class AnticipatedForm(PlanForm):
    persons = Count("Persons expected", help_text="A whole number; 0 if nobody is expected.")
    populations = Picks(
        "Populations expected",
        POPULATIONS,
        help_text="Plan for every kind of victim you may meet: when unsure, tick both of a pair.",
    )
    languages = ExpectedLanguages(
        "Languages besides English",
        help_text="BCP 47 language tags separated by commas, e.g. es, yue (Cantonese), zh-Hant; en alone if "
        "only English is expected.",
    )


class VictimServicesForm(PlanForm):
    providers = AgencyPicks("Victim service providers")
    staging_name = Text("Staging location: name")
    staging_address = Text("Staging location: address")
    staging_private_space = Flag("Private space at the staging location")
    available_from = Timestamp("Providers available from")
    available_until = Timestamp("Providers available until")
    information_needs = Picks("Information needs to assess")
    needs_assessment_by = AgencyRef("Needs assessment by")
    paths = {
        "staging_name": ("staging", "name"),
        "staging_address": ("staging", "address"),
        "staging_private_space": ("staging", "private_space"),
    }


class NotificationForm(PlanForm):
    agency = AgencyRef("Agency notified", blank="— choose —")
    at = Timestamp("Notified at")
    acknowledged_at = Timestamp("Acknowledged at", help_text="Leave empty until the agency acknowledges.")


class ResourceForm(PlanForm):
    agency = AgencyRef("Agency", blank="— choose —")
    kind = Choice("Kind", _labelled([k.value for k in ResourceKind]))
    serves = Picks("Serves", SERVED, help_text="None checked means everyone.")
    capacity = Count("Capacity")
    languages = Codes("Languages (interpreters)")


class InterviewLocationForm(PlanForm):
    id = Text("Location id", help_text=SLUG_HELP)
    name = Text("Name")
    address = Text("Address")
    setting = Choice("Setting", _labelled([s.value for s in Setting]))
    private_rooms = Count("Private rooms")


class SeparationForm(PlanForm):
    transport_separate = Flag("Potential victims and suspects transported separately")


class AreaForm(PlanForm):
    id = Text("Area id", help_text=SLUG_HELP)
    name = Text("Name")
    holds = Choice("Holds", _labelled([h.value for h in Holds]))
    location = Text("Location", help_text="The building or place; compared like an address.")


class InterviewForm(PlanForm):
    population = Choice("Population", POPULATIONS)
    conducted_by = Choice("Conducted by", _labelled([c.value for c in ConductedBy]))
    agency = AgencyRef("Agency")


class LegalAuthorityForm(PlanForm):
    population = Choice("Population", POPULATIONS)
    reviewed_by = AgencyRef("Reviewed by")
    notes = Text("Notes: how it affects services", long=True)


class ImmigrationReliefForm(PlanForm):
    continued_presence_by = AgencyRef("Continued Presence requested by")
    legal_services = AgencyRef("Immigration legal services")


class VictimInformationForm(PlanForm):
    questions_answered_by = AgencyRef("Victims' questions answered by")


class MaterialForm(PlanForm):
    title = Text("Title")
    languages = Codes("Languages", help_text="BCP 47 language tags, e.g. en, es, zh-Hant")


# -- how the sections are put together ----------------------------------------------------------------------


@dataclass(frozen=True)
class RowList:
    """A list of entries inside a section (`key`), or the section itself when it is a list (`key` None)."""

    key: str | None
    form: type[PlanForm]
    noun: str
    title: str
    plural: str = ""

    def count(self, number: int) -> str:
        """`1 agency`, `11 agencies`."""
        return f"{number} {self.noun if number == 1 else (self.plural or self.noun + 's')}"


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    intro: str
    main: type[PlanForm] | None = None
    lists: tuple[RowList, ...] = ()

    @property
    def is_list(self) -> bool:
        return self.main is None

    def summary(self, value: object) -> str:
        """A few words on what the plan holds in this section, for the collapsed view."""
        if not value:
            return "Not filled in"
        if self.is_list and isinstance(value, list):
            return self.lists[0].count(len(value))
        if isinstance(value, dict):
            counts = []
            for rows in self.lists:
                items = value.get(rows.key or "")
                if isinstance(items, list) and items:
                    counts.append(rows.count(len(items)))
            return "Filled in" + (f" · {', '.join(counts)}" if counts else "")
        return "Filled in"


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "operation",
        "Operation",
        "Name, kind, when the action starts and ends, the lead agency.",
        OperationForm,
    ),
    SectionSpec(
        "agencies",
        "Agencies",
        "Every organisation taking part, its responsibilities and its point of contact.",
        lists=(RowList(None, AgencyForm, "agency", "Agencies", "agencies"),),
    ),
    SectionSpec("mou", "MOU", "The memorandum of understanding between the agencies.", MouForm),
    SectionSpec(
        "communications",
        "Communications",
        "Who coordinates, the command post, and the channels each agency is on.",
        CommunicationsForm,
        (RowList("channels", ChannelForm, "channel", "Channels"),),
    ),
    SectionSpec(
        "distribution",
        "Distribution",
        "Which agencies receive the full plan, and which the need-to-know service briefing.",
        DistributionForm,
    ),
    SectionSpec(
        "sites",
        "Sites",
        "The enforcement locations (law enforcement sensitive).",
        lists=(RowList(None, SiteForm, "site", "Sites"),),
    ),
    SectionSpec(
        "anticipated",
        "Anticipated persons",
        "How many people are expected, which populations, which languages.",
        AnticipatedForm,
    ),
    SectionSpec(
        "victim_services",
        "Victim services",
        "Providers, their off-site staging, when they are available, their notice and acknowledgement, "
        "the needs to assess.",
        VictimServicesForm,
        (RowList("notifications", NotificationForm, "notification", "Notifications"),),
    ),
    SectionSpec(
        "resources",
        "Resources",
        "What is on hand to meet victims' needs, and whom each resource serves.",
        lists=(RowList(None, ResourceForm, "resource", "Resources"),),
    ),
    SectionSpec(
        "interview_locations",
        "Interview locations",
        "Where investigative interviews take place.",
        lists=(RowList(None, InterviewLocationForm, "location", "Interview locations"),),
    ),
    SectionSpec(
        "separation",
        "Separation",
        "The areas that keep potential victims apart from suspects.",
        SeparationForm,
        (RowList("areas", AreaForm, "area", "Areas"),),
    ),
    SectionSpec(
        "interviews",
        "Interviews",
        "Who conducts the investigative interview, by population.",
        lists=(RowList(None, InterviewForm, "interview", "Interviews"),),
    ),
    SectionSpec(
        "legal_authorities",
        "Legal authorities",
        "The legal authorities reviewed for each population, and how they affect services.",
        lists=(RowList(None, LegalAuthorityForm, "review", "Legal authorities"),),
    ),
    SectionSpec(
        "immigration_relief",
        "Immigration relief",
        "Who requests Continued Presence, and who provides immigration legal services.",
        ImmigrationReliefForm,
    ),
    SectionSpec(
        "victim_information",
        "Victim information",
        "The information materials for victims, and who answers their questions.",
        VictimInformationForm,
        (RowList("materials", MaterialForm, "material", "Materials"),),
    ),
)

SECTIONS_BY_KEY: Mapping[str, SectionSpec] = {spec.key: spec for spec in SECTIONS}
