"""Every demo user can log in through a real browser and sees a navigation fitting his roles."""

from __future__ import annotations

import pytest

from potok.demo.company import DEMO_USERS

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_demo_user_logs_in_and_out(page_for) -> None:
    for username, _description in DEMO_USERS:
        # given a fresh browser at the login page
        page = page_for(None)
        page.goto(page.base_url + "/login/")
        # when the user logs in with the demo password
        page.fill("#id_username", username)
        page.fill("#id_password", "demo")
        page.click("button[type=submit]")
        # then the home page greets him, and logging out brings back the login page
        page.wait_for_url(page.base_url + "/")
        assert page.locator("[data-testid=current-user]").is_visible()
        page.click("#user-menu")
        page.get_by_role("button", name="Выйти").click()
        page.wait_for_url("**/login/")
        assert page.js_errors == []


def test_wrong_password_shows_an_error(page_for) -> None:
    page = page_for(None, language="en")
    page.goto(page.base_url + "/login/")
    page.fill("#id_username", "reception")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.locator(".alert-danger").is_visible()


def test_home_page_in_both_languages(page_for, screenshot) -> None:
    page = page_for("admin", language="en")
    with page.expect_navigation():
        page.select_option("#language-switch", "en")
    assert page.get_by_role("heading", name="What to try first").is_visible()
    screenshot(page, "home-en")
    with page.expect_navigation():
        page.select_option("#language-switch", "ru")
    assert page.get_by_role("heading", name="С чего начать").is_visible()
    screenshot(page, "home")


def test_navigation_follows_the_roles(page_for) -> None:
    admin = page_for("admin")
    assert admin.locator("nav a[href='/roles/']").count() == 1
    reception = page_for("reception")
    assert reception.locator("nav a[href='/roles/']").count() == 0


def test_phone_layout_hides_the_sidebar_behind_a_menu_button(page_for) -> None:
    page = page_for("investigator1", viewport=(390, 844))
    menu = page.get_by_role("button", name="Меню")
    assert menu.is_visible()
    menu.click()
    assert page.locator("#sidebar").is_visible()
