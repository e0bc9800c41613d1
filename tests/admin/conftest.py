"""Browser harness for the staff pages: Debian's chromium at a phone viewport, axe-core,
screenshots in artifacts/admin/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from api.security.sessions import COOKIE_NAME as SESSION_COOKIE
from tests.support.server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "admin"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=fr-FR",
]
# Debian's chromium is the full browser, headless: each new context (window) would start an
# extra renderer for the omnibox's pop-up pages (chrome://omnibox-popup.top-chrome), about
# 0.2 s of CPU per context that no page of ours ever shows. A second --disable-features
# replaces Playwright's own (the last one wins): its list is repeated, and
# test_every_page.py::test_the_browser_keeps_playwrights_switches fails when they part.
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "MediaRouter",
    "PaintHolding",
    "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin",
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
    "msForceBrowserSignIn",
    "msEdgeUpdateLaunchServicesPreferredVersion",
)
UNUSED_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup")
CHROMIUM_ARGS.append(
    "--disable-features=" + ",".join(PLAYWRIGHT_DISABLED_FEATURES + UNUSED_FEATURES)
)
PHONE = {"width": 390, "height": 844}


@cache
def _axe_source() -> str:
    """axe-core as shipped inside the axe-playwright-python wheel (no network at test time)."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One chromium for the staff pages' tests.

    Per package, not per session: while Playwright's sync API is open, its event loop counts
    as running in the main thread, and a later test calling ``asyncio.run`` would fail.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@dataclass
class Phone:
    """A phone's browser on a live server, with the helpers every scenario needs."""

    page: Page
    server: LiveServer

    def go(self, path: str) -> int:
        """Open ``path``; return the HTTP status of the page."""
        response = self.page.goto(self.server.url + path)
        assert response is not None
        return response.status

    def login(self, role: str) -> None:
        """Log in through the form as the demo account of ``role`` (lands where it was sent)."""
        email, password = self.server.accounts[role]
        if "/admin/connexion" not in self.page.url:
            self.go("/admin/connexion")
        self.page.get_by_label("Adresse e-mail").fill(email)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Se connecter").click()
        self.page.wait_for_load_state()

    def shot(self, name: str) -> Path:
        """Save a full-page screenshot as a test artefact."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{re.sub(r'[^a-z0-9_-]+', '_', name.lower())}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def axe(self) -> list[dict]:
        """Run axe-core on the current page; return serious and critical violations."""
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(_axe_source())
        result = self.page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
            }
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    def overflows(self) -> bool:
        """Whether the page scrolls sideways.

        Against the layout viewport (clientWidth), not innerWidth: a phone's browser widens its
        window to the content, so innerWidth grows with the very overflow looked for.
        """
        return self.page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
        )

    def csrf_token(self) -> str:
        """The CSRF token of the first form on the page."""
        return self.page.locator("input[name=csrf_token]").first.get_attribute("value") or ""

    def flash(self) -> str:
        """The confirmation message shown after an action."""
        return self.page.locator(".flash").inner_text()


_LOGINS: dict[tuple[str, str], dict] = {}


def _open_phone(
    browser: Browser, server: LiveServer, width: int = PHONE["width"], state: dict | None = None
) -> Phone:
    """A new browser context at a phone's size (its own cookies, or ``state``'s) and its page."""
    context = browser.new_context(
        viewport={"width": width, "height": PHONE["height"]},
        has_touch=True,
        is_mobile=True,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        storage_state=state,
    )
    context.set_default_timeout(10_000)
    return Phone(page=context.new_page(), server=server)


def _session_state(server: LiveServer, role: str) -> dict | None:
    """A demo server's ready session for ``role``: its cookie as the login form sets it."""
    token = server.cookie_sessions.get(role)
    if not token:
        return None
    cookie = {
        "name": SESSION_COOKIE,
        "value": token,
        "domain": "127.0.0.1",
        "path": "/",
        "expires": -1,
        "httpOnly": True,
        "secure": False,
        "sameSite": "Lax",
    }
    return {"cookies": [cookie], "origins": []}


def _login_state(phone: Phone, role: str) -> dict:
    """The cookies of ``role``'s login on ``phone``'s server, once per server and role.

    A demo server comes with the session the login form would open (no argon2 check, no login
    pages to load); another server is logged in with ``phone``, whose cookies it may change.
    """
    key = (phone.server.url, role)
    if key not in _LOGINS:
        state = _session_state(phone.server, role)
        if state is None:
            phone.login(role)
            state = phone.page.context.storage_state()
        _LOGINS[key] = state
    return _LOGINS[key]


@pytest.fixture
def new_phone(browser: Browser) -> Iterator:
    """Factory: a fresh phone (own cookies) on ``server``; several may be open at once.

    ``as_role`` starts it already logged in, with the demo server's ready session or one login
    per server and role (the login form itself is exercised by the scenarios that call
    ``Phone.login``).
    """
    phones: list[Phone] = []

    def make(server: LiveServer, *, width: int = PHONE["width"], as_role: str = "") -> Phone:
        state = None
        if as_role:
            state = (
                _session_state(server, as_role)
                or _LOGINS.get((server.url, as_role))
                or _login_state(make(server), as_role)
            )
        phones.append(_open_phone(browser, server, width, state))
        return phones[-1]

    yield make
    for phone in phones:
        phone.page.context.close()


@pytest.fixture(scope="module")
def phone_per_role(browser: Browser) -> Iterator:
    """Factory: one phone per server and role, kept for the whole module.

    For modules that visit many pages read-only as each role: one browser context and one
    page (one renderer process) per role instead of one per test. The phone comes back at the
    phone's width, without any of the cookies but the role's login (as ``new_phone`` makes it).
    """
    phones: dict[tuple[str, str], Phone] = {}

    def make(server: LiveServer, *, as_role: str = "") -> Phone:
        key = (server.url, as_role)
        if key not in phones:
            phones[key] = _open_phone(browser, server)
        phone = phones[key]
        phone.page.set_viewport_size(PHONE)
        phone.page.context.clear_cookies()
        if as_role:
            phone.page.context.add_cookies(_login_state(phone, as_role)["cookies"])
        return phone

    yield make
    for phone in phones.values():
        phone.page.context.close()


@pytest.fixture
def phone(new_phone, live_server: LiveServer) -> Phone:  # type: ignore[no-untyped-def]
    """One phone on a fresh demo server."""
    return new_phone(live_server)
