"""La criée by e-mail, through a real SMTP server on the loopback (aiosmtpd), read back.

Each test starts its own server; the service sends as ``couloir serve`` does every few minutes
(``criee_mailing.send_due``), with the moment given explicitly: Monday morning is not waited for.
"""

from __future__ import annotations

import email
import io
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.mail import smtp
from api.models import Agency, Staff
from api.services import criee, criee_mailing
from api.settings import Settings, SettingsError, load_settings
from tests import factories
from tests.support.server import free_port

PARIS = ZoneInfo("Europe/Paris")
SENDER = "La criée <criee@agence.couloir.test>"


class Mailbox:
    """What the SMTP server received; it refuses the addresses in ``refuse``."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.refuse:
            return "550 5.1.1 Adresse inconnue"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=default_policy)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self) -> list[str]:
        return sorted(address for rcpt, _ in self.messages for address in rcpt)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1 and what it received."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def smtp_settings(tmp_path: Path, port: int) -> Settings:
    return Settings(
        data_dir=tmp_path,
        public_url="https://couloir.agence.test",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_sender=SENDER,
    )


def monday_at(week: criee.Week, hour: int, minute: int = 5) -> datetime:
    """The Monday after ``week`` at ``hour`` in Paris."""
    return datetime.combine(week.next().monday, time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def week(agency: Agency) -> criee.Week:
    """A finished week two weeks back: its hires are in the past whatever today is."""
    return criee.week_of(factories.today(agency)).previous().previous()


def _team(db: Session, agency: Agency) -> tuple[Staff, Staff, Staff]:
    cde = factories.staff(db, agency, "cde", name="Claire Dumas")
    cdde = factories.staff(db, agency, "cdde", name="Paul Reynaud")
    factories.staff(db, agency, "cdde", name="Ancien Collègue", active=False)
    other = factories.agency(db, name="Agence de Cavaillon")
    factories.staff(db, other, "cde", name="Voisine")
    return cde, cdde, other  # type: ignore[return-value]


def test_monday_morning_every_active_colleague_gets_the_week_once_with_consented_photos_inline(
    engine: Engine, db: Session, agency: Agency, manager: Staff, week: criee.Week,
    mailbox: tuple[Mailbox, int], tmp_path: Path,
) -> None:  # fmt: skip
    box, port = mailbox
    settings = smtp_settings(tmp_path, port)
    cde, cdde, _ = _team(db, agency)
    shown = factories.hire(
        db, cde, status="published", photo=True, hired_on=week.monday + timedelta(days=2),
        title="Boulanger·ère", employer="Fournil du Lac", cde_id=cde.id, cdde_id=cdde.id,
    )  # fmt: skip
    factories.hire(
        db, cde, status="published", photo=True, photo_consent=False, hired_on=week.sunday,
        title="Serveur·se", employer="Café des Arts",
    )  # fmt: skip
    testimony = factories.testimony(db, cdde, text="Le job dating a tout changé pour nous.")
    testimony.created_at = datetime.combine(week.monday, time(10), tzinfo=PARIS)
    db.commit()

    # Sunday evening and Monday before eight: not yet.
    assert criee_mailing.send_due(engine, settings, monday_at(week, 7, 59)) == []
    sunday = monday_at(week, 20) - timedelta(days=1)
    assert criee_mailing.send_due(engine, settings, sunday) == []
    assert box.messages == []

    done = criee_mailing.send_due(engine, settings, monday_at(week, 8))
    staff_here = sorted([manager.email, cde.email, cdde.email])
    assert done[0] == criee_mailing.Outcome(agency.id, week.key, "sent", 3)  # type: ignore[arg-type]
    assert [o.state for o in done[1:]] == ["skipped"]  # the other agency had nothing to cry
    assert box.to() == staff_here  # not the inactive colleague, not the other agency
    for rcpt, mail in box.messages:
        assert mail["To"] == rcpt[0]  # one message each: nobody sees the others' addresses
        assert mail["From"] == SENDER
        assert mail["Subject"] == f"La criée de l'Agence d'Avignon — {week.label()}"
        assert mail["Auto-Submitted"] == "auto-generated"
    _, mail = box.messages[0]
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Boulanger·ère chez Fournil du Lac" in text
    assert "CDE : Claire Dumas × CDDE : Paul Reynaud" in text
    assert "« Le job dating a tout changé pour nous. »" in text
    assert f"https://couloir.agence.test/admin/criee/{week.key}" in text
    html_part = mail.get_body(("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert "Fournil du Lac" in html and "Café des Arts" in html
    # Exactly one inline photo: the consented one, referenced by its Content-ID, a real JPEG.
    related = [part for part in mail.walk() if part.get_content_maintype() == "image"]
    assert len(related) == 1
    cid = str(related[0]["Content-ID"]).strip().strip("<>")  # a long id may come folded
    assert f'src="cid:{cid}"' in html
    assert html.count('src="cid:') == 1
    with Image.open(io.BytesIO(related[0].get_content())) as photo:
        assert photo.format == "JPEG" and max(photo.size) <= criee_mailing.PHOTO_PX
    assert shown.photo_sha256 is not None

    # Every process checks every few minutes: the issue is never sent twice.
    assert criee_mailing.send_due(engine, settings, monday_at(week, 8, 10)) == []
    assert criee_mailing.send_due(engine, settings, monday_at(week, 18)) == []
    assert len(box.messages) == 3
    mailing = criee_mailing.last_mailing(db, agency.id, week)  # type: ignore[arg-type]
    assert mailing is not None and (mailing.state, mailing.recipients) == ("sent", 3)


def test_a_server_away_is_tried_again_later_and_the_row_says_why_in_french(
    engine: Engine, db: Session, agency: Agency, manager: Staff, week: criee.Week,
    mailbox: tuple[Mailbox, int], tmp_path: Path,
) -> None:  # fmt: skip
    box, port = mailbox
    cde, _, _ = _team(db, agency)
    factories.hire(db, cde, status="published", hired_on=week.monday)
    away = smtp_settings(tmp_path, free_port())  # nothing listens there
    first = criee_mailing.send_due(engine, away, monday_at(week, 8))
    assert [o.state for o in first] == ["failed", "skipped"]
    mailing = criee_mailing.last_mailing(db, agency.id, week)  # type: ignore[arg-type]
    assert mailing is not None
    assert mailing.error.startswith(f"le serveur d'envoi 127.0.0.1:{away.smtp_port} n'a pas pu")
    # Too soon to try again; after RETRY_AFTER, with the server back, it goes.
    assert criee_mailing.send_due(engine, away, monday_at(week, 8, 20)) == []
    later = monday_at(week, 8, 5) + criee_mailing.RETRY_AFTER
    assert [
        o.state for o in criee_mailing.send_due(engine, smtp_settings(tmp_path, port), later)
    ] == ["sent"]
    db.refresh(mailing)
    assert (mailing.state, mailing.attempts, mailing.error) == ("sent", 2, "")
    assert len(box.messages) == 3


def test_retries_stop_after_the_last_attempt(
    engine: Engine, db: Session, agency: Agency, manager: Staff, week: criee.Week, tmp_path: Path
) -> None:
    factories.hire(db, manager, status="published", hired_on=week.monday)
    away = smtp_settings(tmp_path, free_port())
    moment = monday_at(week, 8)
    for _ in range(criee_mailing.MAX_ATTEMPTS):
        assert [o.state for o in criee_mailing.send_due(engine, away, moment)] == ["failed"]
        moment += criee_mailing.RETRY_AFTER
    assert criee_mailing.send_due(engine, away, moment) == []
    mailing = criee_mailing.last_mailing(db, agency.id, week)  # type: ignore[arg-type]
    assert mailing is not None and mailing.attempts == criee_mailing.MAX_ATTEMPTS


def test_a_refused_address_does_not_stop_the_others_and_is_named(
    engine: Engine, db: Session, agency: Agency, manager: Staff, week: criee.Week,
    mailbox: tuple[Mailbox, int], tmp_path: Path,
) -> None:  # fmt: skip
    box, port = mailbox
    cde, cdde, _ = _team(db, agency)
    factories.hire(db, cde, status="published", hired_on=week.monday)
    box.refuse = {cde.email}
    done = criee_mailing.send_due(engine, smtp_settings(tmp_path, port), monday_at(week, 9))
    assert [(o.state, o.recipients) for o in done] == [("sent", 2), ("skipped", 0)]
    assert box.to() == sorted([manager.email, cdde.email])
    mailing = criee_mailing.last_mailing(db, agency.id, week)  # type: ignore[arg-type]
    assert mailing is not None
    assert mailing.error == f"adresses refusées par le serveur : {cde.email}"


def test_a_week_with_nothing_to_cry_is_not_sent(
    engine: Engine, db: Session, agency: Agency, manager: Staff, week: criee.Week,
    mailbox: tuple[Mailbox, int], tmp_path: Path,
) -> None:  # fmt: skip
    box, port = mailbox
    done = criee_mailing.send_due(engine, smtp_settings(tmp_path, port), monday_at(week, 8))
    assert [o.state for o in done] == ["skipped"]
    assert box.messages == []


def test_processes_checking_at_the_same_moment_send_the_issue_once(
    engine: Engine, db: Session, agency: Agency, manager: Staff, week: criee.Week,
    mailbox: tuple[Mailbox, int], tmp_path: Path,
) -> None:  # fmt: skip
    box, port = mailbox
    factories.hire(db, manager, status="published", hired_on=week.monday)
    factories.staff(db, agency, "cdde")
    settings = smtp_settings(tmp_path, port)
    start = threading.Barrier(4)
    outcomes: list[list[criee_mailing.Outcome]] = []

    def one_process() -> None:
        start.wait()
        outcomes.append(criee_mailing.send_due(engine, settings, monday_at(week, 8)))

    threads = [threading.Thread(target=one_process) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(len(o) for o in outcomes) == [0, 0, 0, 1]
    assert len(box.messages) == 2


def test_an_smtp_host_without_a_sender_is_refused_in_one_french_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COULOIR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COULOIR_SMTP_HOST", "smtp.agence.test")
    for sender in ("", "criee", "La criée <pas une adresse>"):
        monkeypatch.setenv("COULOIR_SMTP_SENDER", sender)
        with pytest.raises(SettingsError, match=r"^COULOIR_SMTP_SENDER : une adresse"):
            load_settings()
    monkeypatch.setenv("COULOIR_SMTP_SENDER", SENDER)
    monkeypatch.setenv("COULOIR_SMTP_SECURITY", "ssl3")
    with pytest.raises(SettingsError, match=r"^COULOIR_SMTP_SECURITY : "):
        load_settings()
    monkeypatch.setenv("COULOIR_SMTP_SECURITY", "tls")
    monkeypatch.setenv("COULOIR_CRIEE_SEND_HOUR", "24")
    with pytest.raises(SettingsError, match=r"^COULOIR_CRIEE_SEND_HOUR : "):
        load_settings()
    monkeypatch.setenv("COULOIR_CRIEE_SEND_HOUR", "7")
    assert load_settings().smtp_security == "tls"


@pytest.fixture
def tls_mailbox(tmp_path: Path) -> Iterator[tuple[Mailbox, int, ssl.SSLContext]]:
    """An SMTP server that requires STARTTLS, with a certificate for 127.0.0.1 made here, and
    a client context that trusts that certificate only."""
    cert, key = tmp_path / "smtp.pem", tmp_path / "smtp.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    box = Mailbox()
    port = free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, tls_context=server_side, require_starttls=True
    )
    controller.start()
    yield box, port, ssl.create_default_context(cafile=str(cert))
    controller.stop()


def test_starttls_is_used_and_a_server_without_it_is_named(
    tls_mailbox: tuple[Mailbox, int, ssl.SSLContext],
    mailbox: tuple[Mailbox, int],
    tmp_path: Path,
) -> None:
    box, port, trusted = tls_mailbox
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = "Essai", SENDER, "cde@agence.couloir.test"
    mail.set_content("Bonjour")
    settings = smtp_settings(tmp_path, port).model_copy(update={"smtp_security": "starttls"})
    assert smtp.send(settings, [mail], trusted) == smtp.Sent(1)
    assert box.to() == ["cde@agence.couloir.test"]
    # The same server without STARTTLS asked: it refuses to take the message in clear.
    in_clear = settings.model_copy(update={"smtp_security": "none"})
    with pytest.raises(smtp.MailError, match="n'a pas pu être joint ou a refusé l'envoi"):
        smtp.send(in_clear, [mail], trusted)
    # A certificate nobody vouches for is refused, and said so.
    with pytest.raises(smtp.MailError, match=r"la connexion chiffrée avec 127\.0\.0\.1"):
        smtp.send(settings, [mail])
    # A plain server asked for STARTTLS: the fix is named.
    plain, plain_port = mailbox
    no_tls = settings.model_copy(update={"smtp_port": plain_port})
    with pytest.raises(smtp.MailError, match="ne propose pas STARTTLS"):
        smtp.send(no_tls, [mail], trusted)
    assert plain.messages == []
