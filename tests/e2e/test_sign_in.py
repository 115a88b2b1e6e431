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
