"""Every change to accounts and agencies, and every step of signing in: each one audited."""

from __future__ import annotations

import base64
import binascii
import math
import secrets
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login

from haven.accounts.models import (
    AccountChange,
    AccountChangeKind,
    AccountChangeStatus,
    Agency,
    AgencyType,
    Authenticator,
    InterviewerQualification,
    InterviewerRole,
    SignInThrottle,
    SpokenLanguage,
    User,
)
from haven.accounts.policies import (
    may_decide,
    may_manage_accounts,
    may_propose,
    require_account_admin,
    require_own_agency,
)
from haven.accounts.sealing import seal_secret
from haven.accounts.selectors import agency_has_other_admin
from haven.audit.context import client_address
from haven.audit.events import AuditEvent, Outcome
from haven.audit.services import DetailValue, record
from haven.core.errors import Forbidden, RuleViolation, ValidationFailed
from haven.core.keyring import Kek
from haven.core.languages import language_tag, language_tag_problem
from haven.core.problems import Problem

SIGNED_IN_AT = "haven_signed_in_at"
LAST_ACTIVITY = "haven_last_activity"
# The unconfirmed authenticator this session is enrolling (only it can be confirmed here).
ENROLMENT = "haven_enrolment"


def _problems_from(error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            problems += [Problem(field if field != "__all__" else "", m) for e in errors for m in e.messages]
    else:
        problems += [Problem("", m) for m in error.messages]
    return problems


def _clean(instance: Agency | User, *, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        raise ValidationFailed(_problems_from(error), what=type(instance).__name__.lower()) from error


# --- agencies -------------------------------------------------------------------------------------


@transaction.atomic
def agency_create(*, actor: User | None, slug: str, name: str, type: str) -> Agency:  # noqa: A002
    """Create an agency. Rule: only admins manage agencies (actor None: the server's own set-up)."""
    if actor is not None:
        require_account_admin(actor)
    agency = Agency(slug=slug, name=name, type=type)
    _clean(agency)
    agency.save()
    record(
        actor=actor,
        event=AuditEvent.AGENCY_CREATED,
        target=agency,
        subject_agency_id=agency.pk,
        actor_label="haven" if actor is None else "",
    )
    return agency


@transaction.atomic
def agency_update(
    *,
    actor: User | None,
    agency: Agency,
    name: str | None = None,
    type: str | None = None,  # noqa: A002
    is_active: bool | None = None,
) -> Agency:
    """Change an agency's name, type or status. Rules: only admins manage agencies; a type change is a
    two-person action (`account_change_propose`), never made directly by an admin; deactivating an agency
    ends its users' sessions at once (the authentication backend refuses them from the next request)."""
    if actor is not None:
        require_account_admin(actor)
        if type is not None and type != agency.type:
            raise Forbidden(
                "Changing an agency's type changes what its users may see, so it takes two admins: propose the "
                "change, and an admin of that agency (or, if it has none, another admin) approves it."
            )
    changed: list[str] = []
    for field, value in (("name", name), ("type", type), ("is_active", is_active)):
        if value is not None and getattr(agency, field) != value:
            setattr(agency, field, value)
            changed.append(field)
    if not changed:
        return agency
    _clean(agency)
    agency.save(update_fields=[*changed, "updated_at"])
    record(
        actor=actor,
        event=AuditEvent.AGENCY_CHANGED,
        target=agency,
        subject_agency_id=agency.pk,
        details={"fields": changed},
        actor_label="haven" if actor is None else "",
    )
    return agency


# --- users ----------------------------------------------------------------------------------------


def _set_interviewing(user: User, interviewer_roles: Sequence[str], languages: Sequence[str]) -> None:
    problems = [
        Problem("interviewer_roles", f"'{r}' is not one of {', '.join(InterviewerRole.values)}")
        for r in interviewer_roles
        if r not in InterviewerRole.values
    ]
    problems += [Problem("languages", language_tag_problem(c)) for c in languages if language_tag_problem(c)]
    if problems:
        raise ValidationFailed(problems, what="user")
    languages = list(dict.fromkeys(language_tag(c) for c in languages))
    InterviewerQualification.objects.filter(user=user).exclude(role__in=interviewer_roles).delete()
    SpokenLanguage.objects.filter(user=user).exclude(code__in=languages).delete()
    for role in dict.fromkeys(interviewer_roles):
        InterviewerQualification.objects.get_or_create(user=user, role=role)
    for code in dict.fromkeys(languages):
        SpokenLanguage.objects.get_or_create(user=user, code=code)


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    name: str,
    agency: Agency,
    password: str,
    roles: Iterable[str] = (),
    gender: str = "",
    interviewer_roles: Sequence[str] = (),
    languages: Sequence[str] = (),
) -> User:
    """Create an account in one agency. Rules: only admins create accounts, in their own agency (in
    another agency it takes two admins: `account_change_propose`); the password passes Django's
    validators and is hashed with Argon2; an account an admin creates changes that password at its first
    sign-in (actor None — the exercise loader, whose passwords are in its file — does not)."""
    if actor is not None:
        require_account_admin(actor)
        if agency.pk != actor.agency_id:
            raise Forbidden(
                "Creating an account in another agency takes two admins: propose it, and an admin of that "
                "agency (or, if it has none, another admin) approves it and sets the first password."
            )
    return _create_account(
        actor=actor,
        username=username,
        name=name,
        agency=agency,
        password=password,
        roles=roles,
        gender=gender,
        interviewer_roles=interviewer_roles,
        languages=languages,
    )


ROLE_NAMES = ("member", "coordinator", "auditor", "admin")


def _role_problems(roles: Iterable[str]) -> list[Problem]:
    return [
        Problem("roles", f"'{r}' is not one of {', '.join(ROLE_NAMES)}")
        for r in sorted(set(roles) - set(ROLE_NAMES))
    ]


def _create_account(
    *,
    actor: User | None,
    username: str,
    name: str,
    agency: Agency,
    password: str,
    roles: Iterable[str] = (),
    gender: str = "",
    interviewer_roles: Sequence[str] = (),
    languages: Sequence[str] = (),
) -> User:
    """The account itself, once whoever may create it has been decided."""
    roles = set(roles)
    unknown = _role_problems(roles)
    if unknown:
        raise ValidationFailed(unknown, what="user")
    user = User(
        username=username,
        name=name,
        agency=agency,
        gender=gender,
        is_coordinator="coordinator" in roles,
        is_auditor="auditor" in roles,
        is_admin="admin" in roles,
        must_change_password=actor is not None,
    )
    problems: list[Problem] = []
    try:
        validate_password(password, user)
    except ValidationError as error:
        problems += [Problem("password", m) for m in error.messages]
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        problems += _problems_from(error)
    if problems:
        raise ValidationFailed(problems, what="user")
    user.set_password(password)
    user.save()
    _set_interviewing(user, interviewer_roles, languages)
    record(
        actor=actor,
        event=AuditEvent.ACCOUNT_CREATED,
        target=user,
        subject_agency_id=agency.pk,
        details={"roles": [str(r) for r in user.roles]},
        actor_label="haven" if actor is None else "",
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor: User | None,
    user: User,
    name: str | None = None,
    agency: Agency | None = None,
    roles: Iterable[str] | None = None,
    gender: str | None = None,
    interviewer_roles: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
) -> User:
    """Change an account's name, agency, roles or interviewing profile (actor None: the server's own
    set-up, such as an exercise reset, which may also move an account). Rules: only admins of its agency; and not
    their own agency or roles — an admin sees no case content by being admin, so moving oneself into an
    agency on an operation, or making oneself coordinator, is for another admin to do (and audited)."""
    if actor is not None:
        require_own_agency(actor, user)
    if actor is not None and agency is not None and agency.pk != user.agency_id:
        raise Forbidden(
            "Moving an account to another agency takes two admins: propose it, and an admin of that agency "
            "(or, if it has none, another admin) approves it."
        )
    if actor is not None and actor.pk == user.pk:
        moving = agency is not None and agency.pk != user.agency_id
        current = {
            role
            for role, held in (
                ("coordinator", user.is_coordinator),
                ("auditor", user.is_auditor),
                ("admin", user.is_admin),
            )
            if held
        }
        if moving or (roles is not None and set(roles) - {"member"} != current):
            raise Forbidden("You cannot change your own agency or roles; another admin can.")
    changed: list[str] = []
    for field, value in (("name", name), ("gender", gender)):
        if value is not None and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if agency is not None and agency.pk != user.agency_id:
        user.agency = agency
        # An account moved to another agency must not keep sessions opened under the old one.
        user.session_epoch = F("session_epoch") + 1
        changed += ["agency", "session_epoch"]
    if roles is not None:
        wanted = set(roles)
        for role, field in (
            ("coordinator", "is_coordinator"),
            ("auditor", "is_auditor"),
            ("admin", "is_admin"),
        ):
            if getattr(user, field) != (role in wanted):
                setattr(user, field, role in wanted)
                changed.append(field)
    if changed:
        _clean(user, exclude=["password", "session_epoch"])
        user.save(update_fields=[*changed, "updated_at"])
        user.refresh_from_db()
    if interviewer_roles is not None or languages is not None:
        _set_interviewing(
            user,
            interviewer_roles if interviewer_roles is not None else user.interviewer_roles,
            languages if languages is not None else user.language_codes,
        )
        changed.append("interviewing")
    if changed:
        record(
            actor=actor,
            event=AuditEvent.ACCOUNT_CHANGED,
            target=user,
            subject_agency_id=user.agency_id,
            details={"fields": [c for c in changed if c != "session_epoch"]},
            actor_label="haven" if actor is None else "",
        )
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    """Disable or enable an account. Rules: an admin of its agency; disabling ends all of its sessions
    at once."""
    require_own_agency(actor, user)
    if user.pk == actor.pk and not active:
        raise Forbidden("You cannot disable your own account.")
    if user.is_active == active:
        return user
    user.is_active = active
    user.session_epoch = F("session_epoch") + 1
    user.save(update_fields=["is_active", "session_epoch", "updated_at"])
    user.refresh_from_db()
    record(
        actor=actor,
        event=AuditEvent.ACCOUNT_ENABLED if active else AuditEvent.ACCOUNT_DISABLED,
        target=user,
        subject_agency_id=user.agency_id,
    )
    return user


@transaction.atomic
def user_unlock(*, actor: User | None, user: User, via: str = "web") -> User:
    """Unlock an account locked after failed sign-ins. Rule: only an admin of its agency, or `haven
    unlock` on the server (actor None) for when the admin is the one locked out."""
    if actor is not None:
        require_own_agency(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    user.locked_at = None
    user.failed_sign_ins = 0
    user.save(update_fields=["locked_at", "failed_sign_ins", "updated_at"])
    record(
        actor=actor,
        event=AuditEvent.ACCOUNT_UNLOCKED,
        target=user,
        subject_agency_id=user.agency_id,
        details={"via": via},
        actor_label="server" if actor is None else "",
    )
    return user


@transaction.atomic
def user_set_password(*, actor: User | None, user: User, password: str) -> User:
    """Set a new password. Rules: the user for their own (a new one, not the current); an admin for an
    account of their agency, which must then change it at its next sign-in, before anything else (an admin
    never holds a way into an account); actor None is the server's own set-up (the exercise loader,
    setting the password its file publishes). Django's validators; every session of the user ends (the
    session is bound to the password's hash)."""
    own = actor is not None and actor.pk == user.pk
    if actor is not None and not own:
        require_own_agency(actor, user)
    problems: list[Problem] = []
    try:
        validate_password(password, user)
    except ValidationError as error:
        problems += [Problem("password", m) for m in error.messages]
    if own and user.check_password(password):
        problems.append(Problem("password", "The new password must differ from your current password."))
    if problems:
        raise ValidationFailed(problems, what="password")
    user.set_password(password)
    user.must_change_password = actor is not None and not own
    user.save(update_fields=["password", "must_change_password", "updated_at"])
    record(
        actor=actor,
        event=AuditEvent.PASSWORD_CHANGED,
        target=user,
        subject_agency_id=user.agency_id,
        actor_label="haven" if actor is None else "",
    )
    return user


def password_change(*, user: User, current_password: str, new_password: str) -> bool:
    """A user changes their own password, proving the current one. Rules: a wrong current password is a
    failed sign-in — audited, counted toward the lock (five lock the account and end its sessions) — and
    changes nothing; the new password passes Django's validators. False when the current one is wrong."""
    with transaction.atomic():
        if not user.check_password(current_password):
            _register_failure(
                user, event=AuditEvent.PASSWORD_CHANGE_REFUSED, reason="wrong current password", actor=user
            )
            return False
        User.objects.filter(pk=user.pk).update(failed_sign_ins=0)
    user_set_password(actor=user, user=user, password=new_password)
    return True


@transaction.atomic
def second_factor_reset(*, actor: User, user: User) -> User:
    """Remove a user's authenticator so they enrol again at next sign-in. Rules: only an admin of the
    user's agency; every session of the user ends."""
    require_own_agency(actor, user)
    Authenticator.objects.filter(user=user).delete()
    user.session_epoch = F("session_epoch") + 1
    user.save(update_fields=["session_epoch", "updated_at"])
    user.refresh_from_db()
    record(actor=actor, event=AuditEvent.SECOND_FACTOR_RESET, target=user, subject_agency_id=user.agency_id)
    return user


def totp_key_from_base32(secret: str) -> str:
    """An authenticator's base32 secret (160 bits) as hex (the spelling django-otp's TOTP takes)."""
    try:
        raw = base64.b32decode(secret.strip().upper(), casefold=True)
    except (binascii.Error, ValueError) as error:
        raise ValidationFailed([Problem("totp_secret", "is not base32")], what="user") from error
    if len(raw) != 20:
        raise ValidationFailed(
            [Problem("totp_secret", "must be 160 bits (32 base32 characters)")], what="user"
        )
    return raw.hex()


def totp_secret_base32(device: Authenticator) -> str:
    return base64.b32encode(device.bin_key).decode()


def _authenticator(user: User, *, secret: bytes, confirmed: bool) -> Authenticator:
    """A new authenticator for `user`, its secret sealed (haven/accounts/sealing.py): the row is saved
    first, so that the seal can name its id."""
    device = Authenticator(user=user, name="Authenticator", confirmed=confirmed, secret_sealed=b"")
    device.save()
    device.seal(secret)
    device.save(update_fields=["secret_sealed", "kek_id"])
    return device


@transaction.atomic
def second_factor_provision(*, actor: User | None, user: User, secret_base32: str) -> Authenticator:
    """Give a user a confirmed authenticator with a known secret: exercises and the demo only."""
    if actor is not None:
        require_account_admin(actor)
    key = bytes.fromhex(totp_key_from_base32(secret_base32))
    Authenticator.objects.filter(user=user).delete()
    device = _authenticator(user, secret=key, confirmed=True)
    record(
        actor=actor,
        event=AuditEvent.SECOND_FACTOR_ENROLLED,
        target=user,
        subject_agency_id=user.agency_id,
        details={"via": "provisioned"},
        actor_label="haven" if actor is None else "",
    )
    return device


@transaction.atomic
def authenticator_secrets_reseal(*, kek: Kek, agency: Agency | None = None) -> list[str]:
    """Seal every authenticator secret (of `agency`'s users, if given) not yet under `kek` under it, in the
    caller's transaction (`haven keys rotate`); the kek ids they were under, one per authenticator."""
    devices = Authenticator.objects.select_for_update().exclude(kek_id=kek.kek_id).select_related("user")
    if agency is not None:
        devices = devices.filter(user__agency=agency)
    previous: list[str] = []
    for device in devices.order_by("pk"):
        secret = device.bin_key
        previous.append(device.kek_id)
        device.secret_sealed, device.kek_id = seal_secret(
            device_id=device.pk, user_id=device.user_id, secret=secret, kek=kek
        )
        device.save(update_fields=["secret_sealed", "kek_id"])
    return previous


# --- signing in and out ---------------------------------------------------------------------------


def _register_failure(user: User, *, event: AuditEvent, reason: str, actor: User | None = None) -> None:
    """Count a consecutive failure; the fifth locks the account until an admin unlocks it (and ends its
    sessions). `actor`: the signed-in user it happened to, if any (the password page)."""
    locked_user = User.objects.select_for_update().get(pk=user.pk)
    record(
        actor=actor,
        event=event,
        outcome=Outcome.FAILURE,
        target=locked_user,
        subject_agency_id=locked_user.agency_id,
        actor_label="" if actor is not None else locked_user.username,
        details={"reason": reason},
    )
    if locked_user.is_locked:
        return
    locked_user.failed_sign_ins += 1
    fields = ["failed_sign_ins"]
    if locked_user.failed_sign_ins >= settings.HAVEN_MAX_FAILED_SIGN_INS:
        locked_user.locked_at = timezone.now()
        # a locked account keeps no session open anywhere (access-policy.md, "Accounts")
        locked_user.session_epoch = F("session_epoch") + 1
        fields += ["locked_at", "session_epoch"]
        record(
            actor=None,
            event=AuditEvent.ACCOUNT_LOCKED,
            outcome=Outcome.SUCCESS,
            target=locked_user,
            subject_agency_id=locked_user.agency_id,
            actor_label="haven",
            details={"count": locked_user.failed_sign_ins},
        )
    locked_user.save(update_fields=fields)


THROTTLE_WINDOW = timedelta(minutes=1)


@transaction.atomic
def sign_in_throttle() -> int:
    """Count one anonymous sign-in attempt from the request's client address; the seconds to wait when
    the address is over `HAVEN_SIGN_IN_ATTEMPTS_PER_MINUTE`, else 0. Rule (issue 12): a flood of attempts is
    held back before any password is hashed, so it cannot slow sign-in down for everyone; recorded once
    when it engages for an address, not for each attempt held back."""
    address = client_address.get()
    now = timezone.now()
    SignInThrottle.objects.bulk_create(
        [SignInThrottle(address=address, window_started_at=now, attempts=0)], ignore_conflicts=True
    )
    row = SignInThrottle.objects.select_for_update().get(address=address)
    if now - row.window_started_at >= THROTTLE_WINDOW:
        row.window_started_at, row.attempts = now, 0
    limit = settings.HAVEN_SIGN_IN_ATTEMPTS_PER_MINUTE
    if row.attempts >= limit:
        if row.attempts == limit:
            record(
                actor=None,
                event=AuditEvent.SIGN_IN_THROTTLED,
                outcome=Outcome.DENIED,
                actor_label="anonymous",
                details={"count": limit},
            )
            row.attempts += 1
            row.save(update_fields=["window_started_at", "attempts"])
        return max(1, math.ceil((row.window_started_at + THROTTLE_WINDOW - now).total_seconds()))
    row.attempts += 1
    row.save(update_fields=["window_started_at", "attempts"])
    return 0


@transaction.atomic
def sign_in_password(*, request: HttpRequest, username: str, password: str) -> User | None:
    """First step of signing in. Rules: a wrong password, an unknown username and a locked account
    get the same answer (None); five consecutive failures lock the account."""
    username = username.strip().lower()[:150]
    user = authenticate(request, username=username, password=password)
    if user is None:
        known = User.objects.filter(username=username).first()
        if known is None:
            record(
                actor=None,
                event=AuditEvent.SIGN_IN_FAILED,
                outcome=Outcome.FAILURE,
                actor_label=username,
                details={"reason": "unknown username or wrong password"},
            )
        else:
            _register_failure(known, event=AuditEvent.SIGN_IN_FAILED, reason="wrong password or inactive")
        return None
    assert isinstance(user, User)
    if user.is_locked:
        _register_failure(user, event=AuditEvent.SIGN_IN_FAILED, reason="account locked")
        return None
    # recorded before the session changes: a sign-in the audit trail cannot record never happens
    record(
        actor=user,
        event=AuditEvent.SIGN_IN_SUCCEEDED,
        target=user,
        subject_agency_id=user.agency_id,
        details={"via": "password"},
    )
    login(request, user)
    now = timezone.now().timestamp()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_ACTIVITY] = now
    return user


def confirmed_device(user: User, *, for_update: bool = False) -> Authenticator | None:
    devices = Authenticator.objects.filter(user=user, confirmed=True)
    device: Authenticator | None = (devices.select_for_update() if for_update else devices).first()
    return device


@transaction.atomic
def sign_in_second_factor(*, request: HttpRequest, user: User, token: str) -> bool:
    """Second step: a TOTP code from the user's confirmed authenticator. Rule: failures count
    towards the lock like wrong passwords. The device row is locked while the code is checked, so one
    code signs in once even when two sign-ins send it at the same moment (django-otp keeps the last
    step used on the row)."""
    device = confirmed_device(user, for_update=True)
    token = token.strip().replace(" ", "")
    if device is None:
        return False
    if not user.is_locked and token.isdigit() and device.verify_token(token):
        User.objects.filter(pk=user.pk).update(failed_sign_ins=0)
        record(  # before the session passes the second factor (as at the password step)
            actor=user,
            event=AuditEvent.SECOND_FACTOR_SUCCEEDED,
            target=user,
            subject_agency_id=user.agency_id,
        )
        otp_login(request, device)
        # a new key once the second factor is passed: one seen before it never reaches case data
        request.session.cycle_key()
        return True
    _register_failure(user, event=AuditEvent.SECOND_FACTOR_FAILED, reason="wrong authentication code")
    user.refresh_from_db()
    if user.is_locked:
        logout(request)
    return False


def enrolment_device(request: HttpRequest, user: User) -> Authenticator | None:
    """The unconfirmed authenticator this session is enrolling, if it started one and it is still there."""
    device_id = request.session.get(ENROLMENT)
    if device_id is None:
        return None
    device: Authenticator | None = Authenticator.objects.filter(
        pk=device_id, user=user, confirmed=False
    ).first()
    return device


@transaction.atomic
def second_factor_enrolment_start(*, request: HttpRequest, user: User) -> Authenticator:
    """Start enrolling an authenticator in this session: a new secret, shown only here. Rules (issue 12):
    only while the user has no confirmed authenticator, and only once a password an admin set has been
    changed; any other unconfirmed authenticator is deleted, and only the one this session started can be
    confirmed in it — so a secret seen by whoever started an earlier enrolment (someone who knew the first
    password) is never the one that gets confirmed. (Not audited: an unconfirmed authenticator opens
    nothing; its confirmation is.)"""
    if confirmed_device(user) is not None:
        raise Forbidden("This account already has an authenticator; an admin can reset it.")
    if user.must_change_password:
        raise Forbidden("Change the password an administrator set before setting up your authenticator.")
    Authenticator.objects.filter(user=user, confirmed=False).delete()
    device = _authenticator(user, secret=secrets.token_bytes(20), confirmed=False)
    request.session[ENROLMENT] = device.pk
    return device


@transaction.atomic
def second_factor_enrol(*, request: HttpRequest, user: User, token: str) -> bool:
    """Confirm the authenticator this session is enrolling with a code from it. Rule: only while the user
    has none."""
    if confirmed_device(user) is not None:
        raise Forbidden("This account already has an authenticator; an admin can reset it.")
    device = enrolment_device(request, user)
    token = token.strip().replace(" ", "")
    if device is not None and token.isdigit() and device.verify_token(token):
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        request.session.pop(ENROLMENT, None)
        otp_login(request, device)
        request.session.cycle_key()
        User.objects.filter(pk=user.pk).update(failed_sign_ins=0)
        record(
            actor=user,
            event=AuditEvent.SECOND_FACTOR_ENROLLED,
            target=user,
            subject_agency_id=user.agency_id,
            details={"via": "enrolment"},
        )
        return True
    _register_failure(user, event=AuditEvent.SECOND_FACTOR_FAILED, reason="wrong code at enrolment")
    user.refresh_from_db()
    if user.is_locked:
        logout(request)
    return False


@transaction.atomic
def sign_out(*, request: HttpRequest, user: User) -> None:
    """Sign out. Rule: ends all of the user's sessions at once, on every device."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    record(actor=user, event=AuditEvent.SIGNED_OUT, target=user, subject_agency_id=user.agency_id)
    logout(request)


@transaction.atomic
def session_expire(*, request: HttpRequest, user: User, reason: str) -> None:
    """End a session that was idle too long or open too long (audited, not counted as sign-out)."""
    record(
        actor=user,
        event=AuditEvent.SESSION_EXPIRED,
        target=user,
        subject_agency_id=user.agency_id,
        details={"reason": reason},
    )
    logout(request)


def agency_types() -> list[tuple[str, str]]:
    return list(AgencyType.choices)


@transaction.atomic
def agency_create_for_plan(*, actor: User, slug: str, name: str, type: str) -> Agency:  # noqa: A002
    """Add an agency that a plan lists but Haven does not know yet. Rule: the coordinator of an
    investigative agency who is writing that plan may do it (issue: "agencies not yet in Haven can be
    added from the plan"); admins always may."""
    if not (actor.is_active and (actor.is_admin or (actor.is_coordinator and actor.agency.is_investigative))):
        raise Forbidden("Only a coordinator of an investigative agency or an admin can add agencies.")
    agency = Agency(slug=slug, name=name, type=type)
    _clean(agency)
    agency.save()
    record(
        actor=actor,
        event=AuditEvent.AGENCY_CREATED,
        target=agency,
        subject_agency_id=agency.pk,
        details={"via": "plan"},
    )
    return agency


# --- two-person changes: one admin proposes, an admin of the affected agency carries it out --------------


def _agency_in_use(agency: Agency) -> bool:
    """On an operation that has records (persons encountered), or holding records of its own on one.
    Read through the relations the operations and encounters packages declare on Agency (by name: accounts
    imports neither), because an agency's type decides what its users see of those records."""
    return Agency.objects.filter(
        Q(pk=agency.pk)
        & (Q(participations__operation__persons__isnull=False) | Q(records_held__isnull=False))
    ).exists()


def _type_in_use_refusal(agency: Agency) -> RuleViolation:
    return RuleViolation(
        f"{agency.name} is on an operation with records: its type decides what its users see of them, so it "
        "cannot change while those records are there.",
        rule="agency.type-in-use",
    )


def _change_problems(
    *, kind: str, agency: Agency, username: str, name: str, roles: Sequence[str], gender: str,
    user: User | None, agency_type: str,
) -> list[Problem]:  # fmt: skip
    problems: list[Problem] = []
    if kind == AccountChangeKind.CREATE_ACCOUNT:
        candidate = User(username=username, name=name, agency=agency, gender=gender)
        try:
            candidate.full_clean(exclude=["password", "agency"])
        except ValidationError as error:
            problems += [p for p in _problems_from(error) if p.path in ("username", "name", "gender")]
        if AccountChange.objects.filter(
            kind=kind, status=AccountChangeStatus.PENDING, username=username
        ).exists():
            problems.append(Problem("username", "is already proposed for another account"))
        problems += _role_problems(roles)
    elif kind == AccountChangeKind.MOVE_ACCOUNT:
        if user is None:
            problems.append(Problem("user", "name the account to move"))
        elif user.agency_id == agency.pk:
            problems.append(Problem("agency", f"{user.username} is already in {agency.name}"))
    elif kind == AccountChangeKind.CHANGE_AGENCY_TYPE:
        if agency_type not in AgencyType.values:
            problems.append(
                Problem("agency_type", f"'{agency_type}' is not one of {', '.join(AgencyType.values)}")
            )
        elif agency_type == agency.type:
            problems.append(Problem("agency_type", f"{agency.name} already has the type {agency_type}"))
    else:
        problems.append(Problem("kind", f"'{kind}' is not one of {', '.join(AccountChangeKind.values)}"))
    return problems


@transaction.atomic
def account_change_propose(
    *,
    actor: User,
    kind: str,
    agency: Agency,
    username: str = "",
    name: str = "",
    roles: Sequence[str] = (),
    gender: str = "",
    user: User | None = None,
    agency_type: str = "",
) -> AccountChange:
    """Propose a two-person change: an account in another agency, moving an account to another agency, or
    an agency's type. Rules (access-policy.md, "Principals"): any admin proposes; nothing changes until an
    admin of the affected agency approves (`account_change_approve`); an agency's type cannot change while
    it is on an operation with records. Audited."""
    if not may_propose(actor, kind):
        raise Forbidden("Only an admin proposes changes to accounts and agencies.")
    problems = _change_problems(
        kind=kind, agency=agency, username=username.strip().lower(), name=name.strip(), roles=roles,
        gender=gender, user=user, agency_type=agency_type,
    )  # fmt: skip
    if problems:
        raise ValidationFailed(problems, what="proposal")
    if kind == AccountChangeKind.CHANGE_AGENCY_TYPE and _agency_in_use(agency):
        raise _type_in_use_refusal(agency)
    change = AccountChange(kind=kind, agency=agency, proposed_by=actor)
    if kind == AccountChangeKind.CREATE_ACCOUNT:
        change.username, change.name = username.strip().lower(), name.strip()
        change.roles, change.gender = sorted(set(roles) - {"member"}), gender
    elif kind == AccountChangeKind.MOVE_ACCOUNT:
        assert user is not None
        change.user, change.from_agency = user, user.agency
    else:
        change.agency_type, change.previous_type = agency_type, agency.type
    change.full_clean()
    change.save()
    record(
        actor=actor,
        event=AuditEvent.ACCOUNT_CHANGE_PROPOSED,
        target=change,
        subject_agency_id=agency.pk,
        details=_change_details(change),
    )
    return change


def _change_details(change: AccountChange) -> dict[str, DetailValue]:
    details: dict[str, DetailValue] = {"kind": change.kind}
    if change.kind == AccountChangeKind.CREATE_ACCOUNT:
        details |= {"username": change.username, "roles": ["member", *change.roles]}
    elif change.kind == AccountChangeKind.MOVE_ACCOUNT and change.user is not None:
        details["username"] = change.user.username
    else:
        details["agency_type"] = change.agency_type
    return details


def _pending_for_decision(actor: User, change: AccountChange) -> AccountChange:
    change = AccountChange.objects.select_for_update().select_related("agency").get(pk=change.pk)
    if not may_decide(actor, change, agency_has_other_admin=agency_has_other_admin(change)):
        raise Forbidden(
            "A change proposed by one admin is decided by another: an admin of the agency it affects, or, "
            "if that agency has no other admin, any second admin."
        )
    if change.status != AccountChangeStatus.PENDING:
        raise RuleViolation(
            f"This change was already {change.get_status_display().lower()}.", rule="account-change.decided"
        )
    return change


@transaction.atomic
def account_change_approve(*, actor: User, change: AccountChange, password: str = "") -> User | Agency:
    """Approve a two-person change and carry it out in the same transaction. Rules: `may_decide`; the
    change is checked again as it stands now; a new account's first password is the approver's."""
    change = _pending_for_decision(actor, change)
    result: User | Agency
    if change.kind == AccountChangeKind.CREATE_ACCOUNT:
        result = _create_account(
            actor=actor,
            username=change.username,
            name=change.name,
            agency=change.agency,
            password=password,
            roles=change.roles,
            gender=change.gender,
        )
        change.created_user = result
    elif change.kind == AccountChangeKind.MOVE_ACCOUNT:
        assert change.user_id is not None  # a move names its account (a database constraint)
        moved = User.objects.select_for_update().get(pk=change.user_id)
        if moved.agency_id != change.from_agency_id:
            raise RuleViolation(
                f"{moved.username} is no longer in the agency the move was proposed from.",
                rule="account-change.stale",
            )
        moved.agency = change.agency
        # an account moved to another agency keeps no session opened under the old one
        moved.session_epoch = F("session_epoch") + 1
        moved.save(update_fields=["agency", "session_epoch", "updated_at"])
        moved.refresh_from_db()
        record(
            actor=actor,
            event=AuditEvent.ACCOUNT_CHANGED,
            target=moved,
            subject_agency_id=change.agency_id,
            details={"fields": ["agency"]},
        )
        result = moved
    else:
        agency = Agency.objects.select_for_update().get(pk=change.agency_id)
        if agency.type != change.previous_type:
            raise RuleViolation(
                f"{agency.name}'s type changed since the proposal.", rule="account-change.stale"
            )
        if _agency_in_use(agency):
            raise _type_in_use_refusal(agency)
        agency.type = change.agency_type
        _clean(agency)
        agency.save(update_fields=["type", "updated_at"])
        record(
            actor=actor,
            event=AuditEvent.AGENCY_CHANGED,
            target=agency,
            subject_agency_id=agency.pk,
            details={"fields": ["type"], "agency_type": agency.type},
        )
        result = agency
    _decide(actor, change, AccountChangeStatus.APPROVED, AuditEvent.ACCOUNT_CHANGE_APPROVED)
    return result


def _decide(actor: User, change: AccountChange, status: str, event: AuditEvent) -> None:
    change.status, change.decided_by, change.decided_at = status, actor, timezone.now()
    change.full_clean()
    change.save(update_fields=["status", "decided_by", "decided_at", "created_user", "updated_at"])
    record(
        actor=actor,
        event=event,
        target=change,
        subject_agency_id=change.agency_id,
        details=_change_details(change),
    )


@transaction.atomic
def account_change_reject(*, actor: User, change: AccountChange) -> AccountChange:
    """Reject a proposed change. Rule: whoever may approve it may reject it; nothing changes. Audited."""
    change = _pending_for_decision(actor, change)
    _decide(actor, change, AccountChangeStatus.REJECTED, AuditEvent.ACCOUNT_CHANGE_REJECTED)
    return change


@transaction.atomic
def account_change_withdraw(*, actor: User, change: AccountChange) -> AccountChange:
    """Withdraw one's own proposal before it is decided. Audited."""
    change = AccountChange.objects.select_for_update().get(pk=change.pk)
    if change.proposed_by_id != actor.pk or not may_manage_accounts(actor):
        raise Forbidden("Only the admin who proposed a change withdraws it.")
    if change.status != AccountChangeStatus.PENDING:
        raise RuleViolation(
            f"This change was already {change.get_status_display().lower()}.", rule="account-change.decided"
        )
    _decide(actor, change, AccountChangeStatus.WITHDRAWN, AuditEvent.ACCOUNT_CHANGE_WITHDRAWN)
    return change
