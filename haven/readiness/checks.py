"""The checks: one small pure function per rule of `rules.yaml`, in the same order.

Each check tests its not-applicable condition first; otherwise a missing or empty section or field fails
with a message naming it. A failure speaks to a coordinator: it says what to do, names every agency,
population, language or item at fault, and where the plan editor shows the field that fixes it
(`haven.plans.wording`), never a path of the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Final

from haven.core.clock import zone_label
from haven.core.languages import language_name, speaks_any
from haven.plans.addresses import normalise_address
from haven.plans.formats import (
    INVESTIGATIVE_TYPES,
    LAW_ENFORCEMENT_TYPES,
    AgencyType,
    ConductedBy,
    Holds,
    OperationKind,
    Population,
    ResourceKind,
    Setting,
)
from haven.plans.wording import POPULATION_LABELS, where
from haven.readiness.facts import Facts
from haven.readiness.rules import Outcome, check, failed, not_applicable, passed

REQUIRED_MOU_COVERS = ("confidentiality", "client_consent", "professional_obligations")
MOU_PARTY_TYPES = (AgencyType.VICTIM_SERVICE_PROVIDER, AgencyType.VICTIM_ATTORNEY)
LEGAL_REVIEW_POPULATIONS = (Population.MINOR, Population.FOREIGN_NATIONAL, Population.US_CITIZEN)
SHELTER_POPULATIONS = (Population.FEMALE, Population.MALE)


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(ids)


def _languages(codes: Iterable[str]) -> str:
    return ", ".join(f"{code} ({language_name(code)})" for code in codes)


def _populations(populations: Iterable[Population]) -> str:
    return ", ".join(POPULATION_LABELS[p.value].lower().replace("us ", "US ") for p in populations)


def _at(moment: datetime) -> str:
    """`2026-12-03 11:30 UTC−05:00`: a moment of the plan on its own clock."""
    return f"{moment:%Y-%m-%d %H:%M} {zone_label(moment.tzinfo or UTC)}"


def _fix(fault: str, path: str) -> str:
    """A fault and where the editor shows the field that fixes it: `… (Victim services → Needs assessment by)`."""
    return f"{fault} ({where(path)})"


def _no_persons(facts: Facts) -> Outcome | None:
    if facts.persons == 0:
        return not_applicable(f"Nobody is expected ({where('anticipated.persons')}: 0).")
    return None


#: What an agency of each type is, in a sentence: "… (lingua) is an interpreter service".
AGENCY_TYPE_WORDS: Final[Mapping[AgencyType, str]] = {
    AgencyType.LAW_ENFORCEMENT: "a law enforcement agency",
    AgencyType.FEDERAL_LAW_ENFORCEMENT: "a federal law enforcement agency",
    AgencyType.PROSECUTOR: "a prosecutor",
    AgencyType.VICTIM_SERVICE_PROVIDER: "a victim service provider",
    AgencyType.VICTIM_ATTORNEY: "a victims' attorney",
    AgencyType.CHILD_WELFARE: "a child welfare agency",
    AgencyType.FORENSIC_INTERVIEW: "a forensic interview provider",
    AgencyType.MEDICAL: "a medical provider",
    AgencyType.SHELTER: "a shelter",
    AgencyType.INTERPRETER_SERVICE: "an interpreter service",
    AgencyType.LABOR: "a labour inspectorate",
    AgencyType.OTHER: "an agency of another kind",
}
SHELTER_WORDS: Final = {Population.FEMALE: "women", Population.MALE: "men"}


def _a(role: ConductedBy) -> str:
    """`an investigator`, `a prosecutor`: an interviewer's role in words."""
    words = role.value.replace("_", " ")
    return f"an {words}" if words[0] in "aeiou" else f"a {words}"


def _listing(fault: str, items: Iterable[str]) -> str:
    """An instruction and the items it is about: `Do this (Section): a; b; c`."""
    return f"{fault}: {'; '.join(items)}"


def _agency(facts: Facts, agency_id: str) -> str:
    """`Harbor Victim Services (harbor-vs)`: how a message names an agency of the plan."""
    agency = facts.agencies.get(agency_id)
    return f"{agency.name} ({agency_id})" if agency else agency_id


def _agency_kind(facts: Facts, agency_id: str) -> str:
    """`Lingua Interpreting Cooperative (lingua), an interpreter service`."""
    kind = facts.agency_type(agency_id)
    return f"{_agency(facts, agency_id)}, {AGENCY_TYPE_WORDS[kind]}" if kind else _agency(facts, agency_id)


def _agencies(facts: Facts, agency_ids: Iterable[str]) -> str:
    return "; ".join(_agency(facts, agency_id) for agency_id in agency_ids)


# -- roles ---------------------------------------------------------------------------------------------------


@check("roles.responsibilities")
def roles_responsibilities(facts: Facts) -> Outcome:
    missing = [
        agency.id
        for agency in facts.plan.agencies
        if not any(item.strip() for item in agency.responsibilities)
    ]
    if missing:
        return failed(
            _fix("Give each agency at least one responsibility", "agencies.responsibilities")
            + f": {_agencies(facts, missing)}"
        )
    return passed(f"All {len(facts.plan.agencies)} agencies have at least one responsibility.")


@check("roles.points-of-contact")
def roles_points_of_contact(facts: Facts) -> Outcome:
    faults: list[str] = []
    for agency in facts.plan.agencies:
        contact = agency.contact
        if contact is None:
            faults.append(f"{_agency(facts, agency.id)} names none")
            continue
        gaps = []
        if not contact.name:
            gaps.append("no name")
        if not (contact.phone or contact.email or contact.radio):
            gaps.append("no phone, email or radio")
        if gaps:
            faults.append(f"{_agency(facts, agency.id)}: the contact has {' and '.join(gaps)}")
    if faults:
        return failed(
            _listing(
                _fix(
                    "Give every agency a point of contact with a name and a phone, email or radio call sign",
                    "agencies",
                ),
                faults,
            )
        )
    return passed("Every agency names a contact who can be reached by phone, email or radio.")


@check("roles.lead-agency")
def roles_lead_agency(facts: Facts) -> Outcome:
    lead = facts.plan.operation.lead_agency
    kind = facts.agency_type(lead)
    if kind is None:
        return failed(
            _fix(
                f"Choose the lead agency among the plan's agencies: {lead!r} is not one",
                "operation.lead_agency",
            )
        )
    if kind not in LAW_ENFORCEMENT_TYPES:
        return failed(
            _fix(
                f"Choose a law enforcement agency (local or federal) to lead: {_agency_kind(facts, lead)}, "
                "leads the action",
                "operation.lead_agency",
            )
        )
    return passed(f"{_agency_kind(facts, lead)}, leads the action.")


# -- communications and information sharing ------------------------------------------------------------------


@check("comms.mechanism")
def comms_mechanism(facts: Facts) -> Outcome:
    communications = facts.plan.communications
    if communications is None:
        return failed(
            _fix(
                "Say which agency coordinates communications, and add the channels each agency is on",
                "communications",
            )
        )
    faults: list[str] = []
    if not communications.coordinator:
        faults.append(_fix("Say which agency coordinates communications", "communications.coordinator"))
    if not communications.channels:
        faults.append(_fix("Add at least one communication channel", "communications.channels"))
    else:
        unreached = [agency.id for agency in facts.plan.agencies if agency.id not in facts.channel_parties]
        if unreached:
            faults.append(
                _fix("Put every agency on a communication channel", "communications.channels.parties")
                + f": {_agencies(facts, unreached)} {'is' if len(unreached) == 1 else 'are'} on none"
            )
    if faults:
        return failed(*faults)
    return passed(
        f"{_agency(facts, communications.coordinator or '')} coordinates, and each agency is on one of "
        f"{len(communications.channels)} channels."
    )


@check("mou.in-place")
def mou_in_place(facts: Facts) -> Outcome:
    mou = facts.plan.mou
    if mou is None:
        return failed(
            _fix(
                "Record the MOU that covers confidentiality, client consent and professional obligations",
                "mou",
            )
        )
    faults: list[str] = []
    missing_covers = [item for item in REQUIRED_MOU_COVERS if item not in mou.covers]
    if missing_covers:
        faults.append(_fix(f"The MOU must cover {_ids(missing_covers)}", "mou.covers"))
    lead = facts.plan.operation.lead_agency
    needed = [lead] + [
        agency.id for agency in facts.plan.agencies if agency.type in MOU_PARTY_TYPES and agency.id != lead
    ]
    missing_parties = [agency_id for agency_id in needed if agency_id not in mou.parties]
    if missing_parties:
        labels = [
            f"{_agency(facts, agency_id)}, the lead agency"
            if agency_id == lead
            else _agency_kind(facts, agency_id)
            for agency_id in missing_parties
        ]
        faults.append(_fix("Add to the MOU's parties", "mou.parties") + f": {'; '.join(labels)}")
    starts_on = facts.starts_at.date()
    ends_on = facts.ends_at.date()
    if mou.signed_on is None:
        faults.append(_fix("Say when the MOU was signed", "mou.signed_on"))
    elif mou.signed_on > starts_on:
        faults.append(
            _fix(
                f"The MOU is signed on {mou.signed_on}, after the action starts ({starts_on})",
                "mou.signed_on",
            )
        )
    if mou.expires_on is not None and mou.expires_on < ends_on:
        faults.append(
            _fix(f"The MOU expires on {mou.expires_on}, before the action ends ({ends_on})", "mou.expires_on")
        )
    if faults:
        return failed(*faults)
    return passed(
        f"The MOU signed on {mou.signed_on} covers confidentiality, client consent and professional "
        "obligations, and binds the lead agency and every provider and victims' attorney."
    )


@check("sharing.need-to-know")
def sharing_need_to_know(facts: Facts) -> Outcome:
    distribution = facts.plan.distribution
    if distribution is None:
        return failed(
            _fix(
                "Say which agencies receive the full plan (investigative agencies) and which the service "
                f"briefing: none of the {len(facts.plan.agencies)} agencies is on either list",
                "distribution",
            )
        )
    faults: list[str] = []
    left_out = [
        agency.id
        for agency in facts.plan.agencies
        if agency.id not in distribution.full_plan and agency.id not in distribution.service_briefing
    ]
    if left_out:
        faults.append(
            _fix("Give every agency the full plan or the service briefing", "distribution")
            + f": {_agencies(facts, left_out)} {'receives' if len(left_out) == 1 else 'receive'} neither"
        )
    oversharing = [
        _agency_kind(facts, agency.id)
        for agency in facts.plan.agencies
        if agency.id in distribution.full_plan and agency.type not in INVESTIGATIVE_TYPES
    ]
    if oversharing:
        faults.append(
            _listing(
                _fix(
                    "Give service agencies the service briefing, not the full plan", "distribution.full_plan"
                ),
                oversharing,
            )
        )
    if faults:
        return failed(*faults)
    return passed(
        "Every agency is on a distribution list, and only investigative agencies get the full plan."
    )


# -- victim services -----------------------------------------------------------------------------------------


@check("services.partnered")
def services_partnered(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    if not facts.providers:
        return failed(
            _fix("Name the victim service providers who partner in the action", "victim_services.providers")
        )
    wrong = [
        _agency_kind(facts, provider)
        for provider in facts.providers
        if facts.agency_type(provider) is not AgencyType.VICTIM_SERVICE_PROVIDER
    ]
    if wrong:
        return failed(
            _fix("Only victim service provider agencies can be the providers", "victim_services.providers")
            + f": {'; '.join(wrong)}"
        )
    return passed(f"Victim service providers partner in the action: {_agencies(facts, facts.providers)}.")


@check("services.off-site")
def services_off_site(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    if not facts.plan.sites:
        return failed(
            _fix(
                "List the enforcement sites: without them the staging location cannot be checked against "
                "the places of the action",
                "sites",
            )
        )
    staging = facts.victim_services.staging
    if staging is None or not staging.address:
        return failed(
            _fix(
                "Say where providers stage, away from the enforcement sites",
                "victim_services.staging.address",
            )
        )
    site_id = facts.site_addresses.get(normalise_address(staging.address))
    if site_id is not None:
        site = next(site for site in facts.plan.sites if site.id == site_id)
        return failed(
            _fix(
                f"Providers would stage at the enforcement site {site.name or site_id} ({site_id}), "
                f"{staging.address!r}: choose a staging location away from the sites",
                "victim_services.staging.address",
            )
        )
    return passed(f"The staging address differs from the address of each of {len(facts.plan.sites)} sites.")


@check("services.available-after")
def services_available_after(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    services = facts.victim_services
    hours = facts.policy.min_service_hours_after
    until_needed = facts.ends_at + timedelta(hours=hours)
    faults: list[str] = []
    if services.available_from is None:
        faults.append(_fix("Say when providers must be ready", "victim_services.available_from"))
    elif services.available_from > facts.ends_at:
        faults.append(
            _fix(
                f"Providers are ready only from {_at(services.available_from)}, after the action ends "
                f"({_at(facts.ends_at)}): have them ready by the end",
                "victim_services.available_from",
            )
        )
    if services.available_until is None:
        faults.append(_fix("Say until when providers stay available", "victim_services.available_until"))
    elif services.available_until < until_needed:
        faults.append(
            _fix(
                f"Providers stay available until {_at(services.available_until)}: keep them until at least "
                f"{hours:g} hours after the action ends ({_at(until_needed)})",
                "victim_services.available_until",
            )
        )
    if faults:
        return failed(*faults)
    return passed(
        f"Providers are available from before the end of the action until at least {hours:g} hours after it."
    )


@check("services.private-space")
def services_private_space(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    staging = facts.victim_services.staging
    if staging is None or staging.private_space is not True:
        said = (
            "says there is none" if staging is not None and staging.private_space is False else "does not say"
        )
        return failed(
            _fix(
                f"The staging location needs a private space where potential victims are first met; the plan {said}",
                "victim_services.staging.private_space",
            )
        )
    return passed("The staging location has a private space.")


@check("services.advance-notice")
def services_advance_notice(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    if not facts.providers:
        return failed(_fix("Name the victim service providers to notify", "victim_services.providers"))
    reactive = facts.plan.operation.kind is OperationKind.REACTIVE
    lead_hours = facts.policy.notice_lead_hours
    latest = facts.starts_at if reactive else facts.starts_at - timedelta(hours=lead_hours)
    in_time_phrase = "before the start" if reactive else f"at least {lead_hours:g} hours before the start"

    def in_time(at: datetime) -> bool:
        return at < facts.starts_at if reactive else at <= latest

    faults: list[str] = []
    for provider in facts.providers:
        notices = [n for n in facts.victim_services.notifications if n.agency == provider]
        if any(
            in_time(n.at) and n.acknowledged_at is not None and n.acknowledged_at <= facts.starts_at
            for n in notices
        ):
            continue
        name = _agency(facts, provider)
        if not notices:
            faults.append(f"{name} has not been notified")
        elif not any(in_time(n.at) for n in notices):
            sent = max(n.at for n in notices)
            faults.append(f"{name} was notified {_at(sent)}, not {in_time_phrase} ({_at(facts.starts_at)})")
        else:
            faults.append(f"{name} has not acknowledged by the start a notice sent {in_time_phrase}")
    if faults:
        return failed(
            _listing(
                _fix(
                    f"Notify each provider {in_time_phrase} and record when they acknowledge",
                    "victim_services.notifications",
                ),
                faults,
            )
        )
    return passed(f"Every provider was notified {in_time_phrase} and acknowledged it.")


@check("services.information-needs")
def services_information_needs(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    needs = facts.victim_services.information_needs
    if not any(need.strip() for need in needs):
        return failed(
            _fix("Choose the immediate needs providers will assess", "victim_services.information_needs")
        )
    allowed = facts.policy.allowed_information_needs
    unknown = [need for need in dict.fromkeys(needs) if need not in allowed]
    if unknown:
        return failed(
            _fix(
                f"Needs the task force's readiness policy does not allow: {_ids(repr(need) for need in unknown)} "
                f"(allowed: {_ids(allowed)})",
                "victim_services.information_needs",
            )
        )
    return passed(f"The needs assessment covers {_ids(dict.fromkeys(needs))}.")


# -- populations and needs -----------------------------------------------------------------------------------

#: Each pair the plan must state at least one of (E-Guide 5.2: plan for all potential types of victims).
STATED_PAIRS = (
    (Population.FEMALE, Population.MALE, "women or men"),
    (Population.ADULT, Population.MINOR, "adults or minors"),
    (Population.US_CITIZEN, Population.FOREIGN_NATIONAL, "US citizens or foreign nationals"),
)


@check("populations.stated")
def populations_stated(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    anticipated = facts.plan.anticipated
    faults: list[str] = []
    if facts.persons is None:
        faults.append(_fix("Say how many persons are expected (0 if nobody is)", "anticipated.persons"))
    unstated = [
        words
        for first, second, words in STATED_PAIRS
        if first not in facts.populations and second not in facts.populations
    ]
    if unstated:
        faults.append(
            _fix(
                f"Say which persons are expected: {'; '.join(unstated)} — when unsure, tick both",
                "anticipated.populations",
            )
        )
    if anticipated is None or anticipated.languages is None:
        faults.append(
            _fix(
                "Say which languages besides English are expected (en alone for English only)",
                "anticipated.languages",
            )
        )
    if faults:
        return failed(*faults)
    languages = _languages(facts.languages) if facts.languages else "English only"
    populations = _populations(p for p in Population if p in facts.populations)
    return passed(f"{facts.persons} persons are expected ({populations}); languages: {languages}.")


@check("populations.shelter")
def populations_shelter(facts: Facts) -> Outcome:
    anticipated = [population for population in SHELTER_POPULATIONS if population in facts.populations]
    if not anticipated:
        return not_applicable("Neither women nor men are expected.")
    unserved = [SHELTER_WORDS[p] for p in anticipated if not facts.serving(ResourceKind.SHELTER, p)]
    if unserved:
        return failed(
            _fix(
                f"Arrange shelter for {' and '.join(unserved)}: add a shelter resource that serves them",
                "resources.serves",
            )
        )
    return passed(f"A shelter resource serves {' and '.join(SHELTER_WORDS[p] for p in anticipated)}.")


@check("populations.minors")
def populations_minors(facts: Facts) -> Outcome:
    if Population.MINOR not in facts.populations:
        return not_applicable("No minors are expected.")
    if not facts.serving(ResourceKind.CHILD_WELFARE, Population.MINOR):
        return failed(
            _fix(
                "Arrange child welfare for minors: add a child welfare resource that serves them",
                "resources.serves",
            )
        )
    return passed("A child welfare resource serves minors.")


@check("needs.assessment")
def needs_assessment(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    faults: list[str] = []
    assessor = facts.victim_services.needs_assessment_by
    if not assessor:
        faults.append(
            _fix("Say which provider assesses victims' needs", "victim_services.needs_assessment_by")
        )
    elif assessor not in facts.providers:
        providers = _agencies(facts, facts.providers) or "none is named yet"
        faults.append(
            _fix(
                f"Choose one of the providers to assess needs, not {_agency(facts, assessor)}; the providers: "
                f"{providers}",
                "victim_services.needs_assessment_by",
            )
        )
    missing = [
        kind.value for kind in (ResourceKind.MEDICAL, ResourceKind.FOOD) if kind not in facts.resources
    ]
    if missing:
        faults.append(_fix(f"Add a {' and a '.join(missing)} resource", "resources.kind"))
    if faults:
        return failed(*faults)
    return passed(
        f"{_agency(facts, assessor or '')} assesses needs, with medical and food resources on hand."
    )


@check("language.access")
def language_access(facts: Facts) -> Outcome:
    if not facts.languages:
        return not_applicable("No language besides English is expected.")
    covered = [
        code for resource in facts.resources.get(ResourceKind.INTERPRETER, ()) for code in resource.languages
    ]
    missing = [code for code in facts.languages if not speaks_any([code], covered)]
    if missing:
        return failed(_fix(f"Arrange an interpreter for {_languages(missing)}", "resources.languages"))
    return passed(f"Interpreters are arranged for {_languages(facts.languages)}.")


@check("immigration.relief")
def immigration_relief(facts: Facts) -> Outcome:
    if Population.FOREIGN_NATIONAL not in facts.populations:
        return not_applicable("No foreign nationals are expected.")
    relief = facts.plan.immigration_relief
    if relief is None:
        return failed(
            _fix(
                "Say which federal agency requests Continued Presence and which victims' attorney provides "
                "immigration legal services",
                "immigration_relief",
            )
        )
    faults: list[str] = []
    for field, wanted, task in (
        ("continued_presence_by", AgencyType.FEDERAL_LAW_ENFORCEMENT, "requests Continued Presence"),
        ("legal_services", AgencyType.VICTIM_ATTORNEY, "provides immigration legal services"),
    ):
        path = f"immigration_relief.{field}"
        agency_id: str | None = getattr(relief, field)
        if not agency_id:
            faults.append(_fix(f"Say who {task}: {AGENCY_TYPE_WORDS[wanted]}", path))
        elif facts.agency_type(agency_id) is not wanted:
            faults.append(
                _fix(
                    f"{_agency_kind(facts, agency_id)}, {task}: choose {AGENCY_TYPE_WORDS[wanted]}",
                    path,
                )
            )
    if faults:
        return failed(*faults)
    return passed(
        f"{_agency(facts, relief.continued_presence_by or '')} can request Continued Presence and "
        f"{_agency(facts, relief.legal_services or '')} provides immigration legal services."
    )


@check("legal.authorities")
def legal_authorities(facts: Facts) -> Outcome:
    anticipated = [p for p in LEGAL_REVIEW_POPULATIONS if p in facts.populations]
    if not anticipated:
        return not_applicable("None of minors, foreign nationals or US citizens is expected.")
    faults: list[str] = []
    unreviewed = [p for p in anticipated if all(e.population is not p for e in facts.plan.legal_authorities)]
    if unreviewed:
        faults.append(
            _fix(
                f"Have a prosecutor review the legal authorities for {_populations(unreviewed)}",
                "legal_authorities",
            )
        )
    for entry in facts.plan.legal_authorities:
        if entry.population not in anticipated:
            continue
        words = _populations((entry.population,))
        if not entry.reviewed_by:
            faults.append(
                _fix(
                    f"Say which prosecutor reviewed the legal authorities for {words}",
                    "legal_authorities.reviewed_by",
                )
            )
        elif facts.agency_type(entry.reviewed_by) is not AgencyType.PROSECUTOR:
            faults.append(
                _fix(
                    f"The legal authorities for {words} are reviewed by "
                    f"{_agency_kind(facts, entry.reviewed_by)}: a prosecutor must review them",
                    "legal_authorities.reviewed_by",
                )
            )
    if faults:
        return failed(*faults)
    return passed(f"A prosecutor reviewed the legal authorities for {_populations(anticipated)}.")


# -- interviews, separation, information ---------------------------------------------------------------------


@check("interviews.nondetention")
def interviews_nondetention(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    locations = facts.plan.interview_locations
    if not locations:
        return failed(
            _fix(
                "Add an interview location in a nondetention setting with a private room",
                "interview_locations",
            )
        )
    if any(
        location.setting is Setting.NONDETENTION and (location.private_rooms or 0) >= 1
        for location in locations
    ):
        return passed("A nondetention interview location has at least one private room.")
    reasons = [
        f"{location.name or location.id} ({location.id}) "
        + ("is a detention setting" if location.setting is Setting.DETENTION else "has no private room")
        for location in locations
    ]
    return failed(
        _listing(
            _fix("Interview in a nondetention setting with a private room", "interview_locations"), reasons
        )
    )


@check("interviews.interviewer")
def interviews_interviewer(facts: Facts) -> Outcome:
    wanted = [p for p in (Population.ADULT, Population.MINOR) if p in facts.populations]
    if not wanted:
        return not_applicable("Neither adults nor minors are expected.")
    faults: list[str] = []
    for population in wanted:
        entries = [e for e in facts.plan.interviews if e.population is population]
        if not entries:
            faults.append(_fix(f"Say who interviews {_populations((population,))}", "interviews"))
        if population is Population.MINOR:
            faults.extend(
                _fix(
                    "Minors must be interviewed by a forensic interviewer; "
                    f"{_agency(facts, entry.agency) if entry.agency else 'an interview of minors'} is down as "
                    f"{_a(entry.conducted_by)}",
                    "interviews.conducted_by",
                )
                for entry in entries
                if entry.conducted_by is not ConductedBy.FORENSIC_INTERVIEWER
            )
    if faults:
        return failed(*faults)
    return passed(f"Interviewers are assigned for {_populations(wanted)}.")


@check("separation.system")
def separation_system(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    separation = facts.plan.separation
    if separation is None:
        return failed(
            _fix(
                "Set out separate areas for potential victims and for suspects, and separate transport",
                "separation",
            )
        )
    victims = [a for a in separation.areas if a.holds is Holds.POTENTIAL_VICTIMS]
    suspects = [a for a in separation.areas if a.holds is Holds.SUSPECTS]
    faults: list[str] = []
    if not victims:
        faults.append(_fix("Add an area that holds potential victims", "separation.areas.holds"))
    if not suspects:
        faults.append(_fix("Add an area that holds suspects", "separation.areas.holds"))
    unlocated = [f"{a.name or a.id} ({a.id})" for a in (*victims, *suspects) if not a.location]
    if unlocated:
        faults.append(_fix(f"Say where each area is: {_ids(unlocated)}", "separation.areas.location"))
    suspect_places = {normalise_address(a.location): a for a in suspects if a.location}
    shared = [
        f"{area.id} and {suspect_places[normalise_address(area.location)].id} ({area.location})"
        for area in victims
        if area.location and normalise_address(area.location) in suspect_places
    ]
    if shared:
        faults.append(
            _fix(
                f"Potential victims and suspects would be held at the same place: {_ids(shared)}",
                "separation.areas.location",
            )
        )
    if separation.transport_separate is not True:
        said = "says they share it" if separation.transport_separate is False else "does not say"
        faults.append(
            _fix(
                f"Transport potential victims and suspects separately; the plan {said}",
                "separation.transport_separate",
            )
        )
    if faults:
        return failed(*faults)
    return passed("Potential victims and suspects are held and transported apart.")


@check("information.victim-materials")
def information_victim_materials(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    information = facts.plan.victim_information
    if information is None:
        return failed(
            _fix(
                "Add information materials for victims, in English and each language expected, and say who "
                "answers their questions",
                "victim_information",
            )
        )
    available = [code for material in information.materials for code in material.languages]
    needed = ("en", *facts.languages)
    faults: list[str] = []
    missing = [code for code in needed if not speaks_any([code], available)]
    if missing:
        faults.append(
            _fix(
                f"Provide victim materials in {_languages(missing)}", "victim_information.materials.languages"
            )
        )
    if not information.questions_answered_by:
        faults.append(_fix("Say who answers victims' questions", "victim_information.questions_answered_by"))
    if faults:
        return failed(*faults)
    return passed(
        f"Materials exist in {_languages(needed)}, and {_agency(facts, information.questions_answered_by or '')} "
        "answers questions."
    )
