"""The words a coordinator knows the plan by: the plan editor's section titles and field labels, and the
names of the populations.

Readiness messages and briefings speak in these words ("Victim services → Providers available from"), so a
reader finds the field without knowing the file's paths (`victim_services.available_from`). The plan editor
shows the same words; tests/web/test_plan_wording.py keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

#: Each top-level section of the plan file → its title in the plan editor, in the file's order.
SECTION_TITLES: Final[Mapping[str, str]] = {
    "operation": "Operation",
    "agencies": "Agencies",
    "mou": "MOU",
    "communications": "Communications",
    "distribution": "Distribution",
    "sites": "Sites",
    "anticipated": "Anticipated persons",
    "victim_services": "Victim services",
    "resources": "Resources",
    "interview_locations": "Interview locations",
    "separation": "Separation",
    "interviews": "Interviews",
    "legal_authorities": "Legal authorities",
    "immigration_relief": "Immigration relief",
    "victim_information": "Victim information",
}

#: A field's path in the file, list indexes left out → its label in the plan editor. A list inside a
#: section is named by its title (`victim_services.notifications` → "Notifications").
FIELD_LABELS: Final[Mapping[str, str]] = {
    "operation.lead_agency": "Lead agency",
    "agencies.responsibilities": "Responsibilities",
    "agencies.contact.name": "Point of contact: name",
    "mou.signed_on": "Signed on",
    "mou.expires_on": "Expires on",
    "mou.parties": "Parties",
    "mou.covers": "Covers",
    "communications.coordinator": "Coordinating agency",
    "communications.channels": "Channels",
    "communications.channels.parties": "Agencies on this channel",
    "distribution.full_plan": "Full plan (investigative agencies)",
    "distribution.service_briefing": "Service briefing (need to know)",
    "anticipated.persons": "Persons expected",
    "anticipated.populations": "Populations expected",
    "anticipated.languages": "Languages besides English",
    "victim_services.providers": "Victim service providers",
    "victim_services.staging.address": "Staging location: address",
    "victim_services.staging.private_space": "Private space at the staging location",
    "victim_services.available_from": "Providers available from",
    "victim_services.available_until": "Providers available until",
    "victim_services.notifications": "Notifications",
    "victim_services.information_needs": "Information needs to assess",
    "victim_services.needs_assessment_by": "Needs assessment by",
    "resources.kind": "Kind",
    "resources.serves": "Serves",
    "resources.languages": "Languages (interpreters)",
    "interview_locations.setting": "Setting",
    "interview_locations.private_rooms": "Private rooms",
    "separation.areas": "Areas",
    "separation.areas.holds": "Holds",
    "separation.areas.location": "Location",
    "separation.transport_separate": "Potential victims and suspects transported separately",
    "interviews.conducted_by": "Conducted by",
    "legal_authorities.reviewed_by": "Reviewed by",
    "immigration_relief.continued_presence_by": "Continued Presence requested by",
    "immigration_relief.legal_services": "Immigration legal services",
    "victim_information.materials": "Materials",
    "victim_information.materials.languages": "Languages",
    "victim_information.questions_answered_by": "Victims' questions answered by",
}

#: A population tag → the editor's word for it.
POPULATION_LABELS: Final[Mapping[str, str]] = {
    "female": "Female",
    "male": "Male",
    "adult": "Adults",
    "minor": "Minors",
    "us_citizen": "US citizens",
    "foreign_national": "Foreign nationals",
    "all": "Everyone",
}


def where(path: str) -> str:
    """Where the editor shows a section or field, through the lists it sits in:
    `Victim services → Providers available from`, `Separation → Areas → Holds`."""
    parts = path.split(".")
    steps = [SECTION_TITLES[parts[0]]]
    steps += [
        FIELD_LABELS[prefix]
        for prefix in (".".join(parts[: end + 1]) for end in range(1, len(parts) - 1))
        if prefix in FIELD_LABELS
    ]
    if len(parts) > 1:
        steps.append(FIELD_LABELS[path])
    return " → ".join(steps)
