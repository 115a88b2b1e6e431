"""In a real browser: sign in with password and TOTP, see the home page, sign out."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from haven.accounts.models import Authenticator
from tests.e2e.conftest import assert_accessible
from tests.personas import PASSWORD, current_code, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_with_password_and_code_then_sign_out(page: Page):
    user = make_user("investigator")
    page.goto("/")
    expect(page).to_have_url("/sign-in/?next=%2F")
    assert_accessible(page, "sign-in")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Authentication code")).to_be_visible()
    page.get_by_label("Authentication code").fill(current_code(user))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Operations")).to_be_visible()
    expect(page.get_by_text("Ivy Investigator")).to_be_visible()
    expect(page.get_by_text("Metro City Police Department")).to_be_visible()
    assert_accessible(page, "home")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_enrolment_page_is_accessible_and_enrols(page: Page):
    user = make_user("advocate")
    Authenticator.objects.filter(user=user).delete()
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
    expect(page.locator("figure.qr svg")).to_be_visible()
    assert_accessible(page, "enrol")
    page.get_by_label("Authentication code").fill(current_code_unconfirmed(user))
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page.get_by_role("heading", name="Operations")).to_be_visible()


def current_code_unconfirmed(user) -> str:
    from django_otp.oath import TOTP

    device = Authenticator.objects.get(user=user, confirmed=False)
    return f"{TOTP(device.bin_key).token():06d}"


def test_wrong_password_shows_the_error_accessibly(page: Page):
    make_user("investigator")
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("ivy.investigator")
    page.get_by_label("Password").fill("not it at all")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("The username or password is not right")
    assert_accessible(page, "sign-in-error")


def test_a_new_account_changes_its_first_password_then_enrols(page: Page):
    import base64

    from django_otp.oath import TOTP

    from haven.accounts import services

    first, new = "first password the admin chose 1", "only the new colleague knows this 2"
    admin = make_user("admin")
    user = services.user_create(
        actor=admin,
        username="nia.newcomer",
        name="Nia Newcomer",
        agency=admin.agency,  # an admin creates accounts in their own agency
        password=first,
    )
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(first)
    page.get_by_role("button", name="Continue").click()
    # before anything else: the password page, saying why
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    expect(page.get_by_text("An administrator set your first password")).to_be_visible()
    assert_accessible(page, "password-first-sign-in")
    page.get_by_label("Current password").fill(first)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("New password again").fill(new)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Sign in with it to set up your authenticator")).to_be_visible()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(new)
    page.get_by_role("button", name="Continue").click()
    # then, and only then, a secret is made and shown
    expect(page.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
    secret = base64.b32decode(page.locator("code.secret").inner_text().replace(" ", ""))
    page.get_by_label("Authentication code").fill(f"{TOTP(secret).token():06d}")
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page.get_by_role("heading", name="Operations")).to_be_visible()
    expect(page.get_by_text("Nia Newcomer")).to_be_visible()
