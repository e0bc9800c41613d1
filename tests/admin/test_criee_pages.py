"""La criée on a phone (390×844) and printed to PDF by Chromium: A4 pages, the French text, the
photos kept, no menu nor buttons; archived weeks linked to each other."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from sqlmodel import Session, select

from api.clock import local_today
from api.db import make_engine
from api.models import Agency, CrieeMailing
from api.services import criee
from tests.admin.conftest import ARTIFACTS
from tests.admin.test_every_page import _small_targets

pytestmark = pytest.mark.browser

A4_POINTS = (595, 842)  # 210 × 297 mm, rounded as pdfinfo prints it
POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo") and shutil.which("pdfimages")


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def test_the_week_issue_reads_on_a_phone_and_links_the_weeks(new_phone, module_server) -> None:  # type: ignore[no-untyped-def]
    phone = new_phone(module_server, as_role="cdde")
    assert phone.go("/admin/menu") == 200
    phone.page.get_by_role("link", name="La criée de la semaine").click()
    phone.page.wait_for_load_state()
    assert phone.page.locator("h1").inner_text() == "La criée"
    this_week = criee.week_of(local_today("Europe/Paris"))  # the demo agency's clock
    assert this_week.label().capitalize() in phone.page.locator(".criee-week").inner_text()
    headings = phone.page.locator("h2[id^=criee]").all_inner_texts()
    assert headings == [
        "Les embauches de la semaine",
        "Le défi",
        "Le témoignage",
        "Les offres qui pressent",
        "L'agenda des deux semaines",
    ]
    assert phone.axe() == []
    assert _small_targets(phone) == []
    assert not phone.overflows()
    assert phone.page.get_by_role("link", name="Semaine suivante →").count() == 0
    phone.page.get_by_role("link", name="← Semaine précédente").click()
    phone.page.wait_for_load_state()
    before = this_week.previous()
    assert phone.page.url.endswith(f"/admin/criee/{before.key}")
    assert before.label().capitalize() in phone.page.locator(".criee-week").inner_text()
    assert phone.page.get_by_role("link", name="Semaine suivante →").get_attribute("href") == (
        f"/admin/criee/{this_week.key}"
    )
    assert phone.page.locator(".criee-mailing").count() == 0  # never e-mailed
    for wrong in ("2026-W60", "2026-W00", "2026-W43🎉", "x" * 10_000, "2026-w43", "%20"):
        assert phone.go(f"/admin/criee/{wrong}") == 404, wrong
        assert "Cette semaine n'existe pas" in phone.page.locator("main").inner_text()
        assert phone.page.locator("h1").count() == 1


@pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed (scripts/setup --test)")
def test_printing_the_issue_gives_clean_a4_pages(new_phone, module_server) -> None:  # type: ignore[no-untyped-def]
    phone = new_phone(module_server, as_role="cde")
    assert phone.go("/admin/criee") == 200
    photos_on_page = phone.page.locator("img.criee-photo").count()
    pdf = ARTIFACTS / "criee.pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    info = _run("pdfinfo", str(pdf))
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])  # type: ignore[index]
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    assert size is not None
    assert (round(float(size[1])), round(float(size[2]))) == A4_POINTS
    # The front page tells the week (hires, défi, testimony); the urgent offers start the next.
    assert 2 <= pages <= 6, info
    first = _run("pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-")
    for words in ("La criée", "Les embauches de la semaine", "Le défi", "Le témoignage"):
        assert words in first, words
    assert "Les offres qui pressent" not in first
    text = _run("pdftotext", "-layout", str(pdf), "-")
    for words in ("Les offres qui pressent", "L'agenda des deux semaines"):
        assert words in text, words
    for chrome in ("Semaine précédente", "Se déconnecter", "Accueil", "Aller au contenu"):
        assert chrome not in text, chrome
    images = _run("pdfimages", "-list", str(pdf)).strip().splitlines()[2:]
    assert len(images) >= photos_on_page
    # The print media page is as accessible as the screen one.
    phone.page.emulate_media(media="print")
    assert phone.axe() == []


def test_the_week_e_mailing_is_told_and_its_failure_explained_to_managers_only(
    new_phone, module_server
) -> None:  # type: ignore[no-untyped-def]
    week = criee.week_of(local_today("Europe/Paris")).previous().previous()
    engine = make_engine(module_server.database_url)
    with Session(engine) as db:
        agency = db.exec(select(Agency)).first()
        assert agency is not None
        db.add(
            CrieeMailing(
                agency_id=agency.id,
                week=week.key,
                state="failed",
                attempts=2,
                error="le serveur d'envoi smtp.agence.test:587 n'a pas pu être joint",
            )
        )
        db.commit()
    engine.dispose()
    manager = new_phone(module_server, as_role="manager")
    assert manager.go(f"/admin/criee/{week.key}") == 200
    told = manager.page.locator(".criee-mailing").inner_text()
    assert told == (
        "L'envoi par e-mail n'a pas encore abouti (2 essais) : le serveur d'envoi "
        "smtp.agence.test:587 n'a pas pu être joint."
    )
    colleague = new_phone(module_server, as_role="cdde")
    assert colleague.go(f"/admin/criee/{week.key}") == 200
    told = colleague.page.locator(".criee-mailing").inner_text()
    assert told == "L'envoi par e-mail n'a pas encore abouti (2 essais)."
