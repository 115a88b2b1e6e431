"""Agencies, users and what a user brings to an interview. One agency per user; roles per user."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.validators import RegexValidator
from django.db import models
from django.utils.crypto import salted_hmac
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts.sealing import open_secret, seal_secret
from haven.core.languages import MAX_TAG_LENGTH
from haven.core.models import BaseModel, validate_language_tag


class AgencyType(models.TextChoices):
    """The agency types of the plan file (operation-plan.md, "Agency types")."""

    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement"
    FEDERAL_LAW_ENFORCEMENT = "federal_law_enforcement", "Federal law enforcement"
    PROSECUTOR = "prosecutor", "Prosecutor"
    VICTIM_SERVICE_PROVIDER = "victim_service_provider", "Victim service provider"
    VICTIM_ATTORNEY = "victim_attorney", "Victim attorney"
    CHILD_WELFARE = "child_welfare", "Child welfare"
    FORENSIC_INTERVIEW = "forensic_interview", "Forensic interview"
    MEDICAL = "medical", "Medical"
    SHELTER = "shelter", "Shelter"
    INTERPRETER_SERVICE = "interpreter_service", "Interpreter service"
    LABOR = "labor", "Labour inspectorate"
    OTHER = "other", "Other"


LAW_ENFORCEMENT_TYPES = frozenset({AgencyType.LAW_ENFORCEMENT, AgencyType.FEDERAL_LAW_ENFORCEMENT})
INVESTIGATIVE_TYPES = LAW_ENFORCEMENT_TYPES | {AgencyType.PROSECUTOR}

slug_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]{0,39}$", "Use 1–40 lower-case letters, digits or '-'.")


class Agency(BaseModel):
    """An organisation taking part in the task force; `slug` is its id in plan files."""

    slug = models.CharField(max_length=40, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=32, choices=AgencyType.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("name",)
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    @property
    def is_investigative(self) -> bool:
        return self.type in INVESTIGATIVE_TYPES

    @property
    def is_law_enforcement(self) -> bool:
        return self.type in LAW_ENFORCEMENT_TYPES


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    COORDINATOR = "coordinator", "Coordinator"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Admin"


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"


class InterviewerRole(models.TextChoices):
    INVESTIGATOR = "investigator", "Investigator"
    PROSECUTOR = "prosecutor", "Prosecutor"
    FORENSIC_INTERVIEWER = "forensic_interviewer", "Forensic interviewer"


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(username=username)


username_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9._-]{1,149}$", "Use 2–150 lower-case letters, digits, '.', '_' or '-'."
)


class User(AbstractBaseUser):  # type: ignore[django-manager-missing]  # (django-otp's untyped Device)
    """A person using Haven, in exactly one agency. Every user is a member; other roles add to it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = models.CharField(max_length=150, unique=True, validators=[username_validator])
    name = models.CharField(max_length=200)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="users")
    is_active = models.BooleanField(default=True)
    is_coordinator = models.BooleanField(default=False)
    is_auditor = models.BooleanField(default=False)
    is_admin = models.BooleanField(default=False)
    gender = models.CharField(max_length=8, choices=Gender.choices, blank=True)
    failed_sign_ins = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    # Raised to end every session of the user at once (sign-out, disabling).
    session_epoch = models.PositiveIntegerField(default=0)
    # Set when someone else chose the password (an admin creating the account): the person changes it
    # before anything else, the second factor included (issue 12).
    must_change_password = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    objects = UserManager()

    class Meta:
        ordering = ("username",)

    def __str__(self) -> str:
        return f"{self.name} ({self.username})"

    @property
    def roles(self) -> list[Role]:
        roles = [Role.MEMBER]
        roles += [Role.COORDINATOR] if self.is_coordinator else []
        roles += [Role.AUDITOR] if self.is_auditor else []
        roles += [Role.ADMIN] if self.is_admin else []
        return roles

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    # Django admin asks these; admins manage accounts and agencies there and nothing else.
    @property
    def is_staff(self) -> bool:
        return self.is_active and self.is_admin

    @property
    def is_superuser(self) -> bool:
        return False

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return self.is_staff and perm.split(".", 1)[0] == "accounts"

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff and app_label == "accounts"

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django ends a session whose stored hash no longer matches; the epoch makes sign-out and
        # disabling end every session of the user, on every application server, at once.
        return salted_hmac(
            "haven.accounts.User.session",
            f"{self.password}:{self.session_epoch}:{int(self.is_active)}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._get_session_auth_hash()

    @property
    def interviewer_roles(self) -> list[str]:
        return [q.role for q in self.qualifications.all()]

    @property
    def language_codes(self) -> list[str]:
        return [lang.code for lang in self.languages.all()]


class InterviewerQualification(models.Model):
    """An interviewer role the user is qualified for (investigator, prosecutor, forensic interviewer)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="qualifications")
    role = models.CharField(max_length=32, choices=InterviewerRole.choices)

    class Meta:
        ordering = ("role",)
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_qualification")]

    def __str__(self) -> str:
        return self.role


class SpokenLanguage(models.Model):
    """A language the user speaks (a BCP 47 tag, haven.core.languages), for matching interviewers and
    interpreters."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(max_length=MAX_TAG_LENGTH, validators=[validate_language_tag])

    class Meta:
        ordering = ("code",)
        constraints = [models.UniqueConstraint(fields=["user", "code"], name="unique_user_language")]

    def __str__(self) -> str:
        return self.code


class AccountChangeKind(models.TextChoices):
    """The changes one admin proposes and another carries out (access-policy.md, "Principals")."""

    CREATE_ACCOUNT = "create_account", "Create an account in another agency"
    MOVE_ACCOUNT = "move_account", "Move an account to another agency"
    CHANGE_AGENCY_TYPE = "change_agency_type", "Change an agency's type"


class AccountChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved and carried out"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class AccountChange(BaseModel):
    """A two-person change to accounts or agencies: proposed by one admin, carried out only when an admin of
    the affected agency approves it (for an agency with no other admin, a second admin). `agency` is the
    affected agency: where the account is created or moved to, or whose type changes. An account created
    this way gets its initial password from the approver, so its proposer never knows it."""

    kind = models.CharField(max_length=24, choices=AccountChangeKind.choices)
    status = models.CharField(
        max_length=16, choices=AccountChangeStatus.choices, default=AccountChangeStatus.PENDING
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="account_changes")
    proposed_by = models.ForeignKey("User", on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey("User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    # create_account: the account to create (its password comes with the approval)
    username = models.CharField(max_length=150, blank=True, validators=[username_validator])
    name = models.CharField(max_length=200, blank=True)
    roles = models.JSONField(default=list, blank=True)
    gender = models.CharField(max_length=8, choices=Gender.choices, blank=True)
    # move_account: whom, and from where (kept for the record)
    user = models.ForeignKey("User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # change_agency_type: the type it gets, and the one it had
    agency_type = models.CharField(max_length=32, choices=AgencyType.choices, blank=True)
    previous_type = models.CharField(max_length=32, choices=AgencyType.choices, blank=True)
    # the account created, once approved
    created_user = models.ForeignKey(
        "User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="create_account") | (~models.Q(username="") & ~models.Q(name="")),
                name="account_change_create_names_the_account",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="move_account")
                | models.Q(user__isnull=False, from_agency__isnull=False),
                name="account_change_move_names_the_user",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="change_agency_type") | ~models.Q(agency_type=""),
                name="account_change_type_names_the_type",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending") | models.Q(decided_at__isnull=False),
                name="account_change_decided_says_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"


class SignInThrottle(models.Model):
    """Anonymous sign-in attempts from one client address in the current one-minute window, kept in the
    database so that every application process counts the same attempts (access-policy.md, "Accounts")."""

    address = models.CharField(max_length=64, primary_key=True)  # an IP address, or "" when unknown
    window_started_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.address or 'unknown'}: {self.attempts} since {self.window_started_at:%H:%M:%S}"


class Session(AbstractBaseSession):
    """A signed-in (or signing-in) browser session, stored under a keyed hash of its key, never the key
    itself (haven/accounts/sessions.py): a copy of this table opens no session."""

    # HMAC-SHA256 in hex: 64 characters, where Django's own table keeps the 32-character key itself.
    session_key = models.CharField("hash of the session key", max_length=64, primary_key=True)

    class Meta:
        db_table = "accounts_session"
        verbose_name = "session"

    def __str__(self) -> str:
        return f"session {self.session_key[:12]}…"

    @classmethod
    def get_session_store_class(cls) -> type[Any]:
        from haven.accounts.sessions import SessionStore  # noqa: PLC0415 - the store imports this model

        return SessionStore


class Authenticator(TimestampMixin, ThrottlingMixin, Device):  # type: ignore[misc]
    """A person's TOTP authenticator (the second factor), its secret stored only sealed.

    django-otp's own TOTP device keeps the secret in hex in clear; this one keeps it sealed under a key
    derived from the key-encryption key (haven/accounts/sealing.py), which is not in the database, and
    opens it only to check a code or to show it once at enrolment. Everything else is django-otp's: the
    time steps, the tolerance and drift, the last step used (a code is accepted once), the throttling of
    wrong codes, and `django_otp.login`/`is_verified` (the primary key stays an integer, as django-otp's
    persistent device ids require).
    """

    secret_sealed: models.BinaryField[bytes, bytes] = models.BinaryField()
    # The key-encryption key the secret is sealed under (haven/core/keyring.py names keys by this id).
    kek_id: models.CharField[str, str] = models.CharField(max_length=16)
    step: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(default=30)
    t0: models.BigIntegerField[int, int] = models.BigIntegerField(default=0)
    digits: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(
        choices=[(6, 6), (8, 8)], default=6
    )
    tolerance: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(default=1)
    drift: models.SmallIntegerField[int, int] = models.SmallIntegerField(default=0)
    last_t: models.BigIntegerField[int, int] = models.BigIntegerField(default=-1)

    class Meta:
        ordering = ("created_at",)

    def __str__(self) -> str:
        return f"authenticator {self.pk} of user {self.user_id}"

    @property
    def bin_key(self) -> bytes:
        """The secret, unsealed (django-otp's name for it); UnknownKek or AuthenticatorSecretBroken if it
        does not open here."""
        return open_secret(
            device_id=self.pk, user_id=self.user_id, sealed=self.secret_sealed, kek_id=self.kek_id
        )

    def seal(self, secret: bytes) -> None:
        """Seal `secret` into this authenticator under the current key-encryption key; the primary key must
        be set (save first)."""
        if self.pk is None:
            raise ValueError("save the authenticator before sealing its secret: the seal names its id")
        self.secret_sealed, self.kek_id = seal_secret(device_id=self.pk, user_id=self.user_id, secret=secret)

    # django-otp's TOTP check and configuration URL, reading the secret through `bin_key` above; kept
    # as django-otp wrote them rather than copied, so its replay protection and throttling stay its own.
    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings
