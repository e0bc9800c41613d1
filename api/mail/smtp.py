"""Sending e-mail through the agency's SMTP server (``COULOIR_SMTP_*`` settings).

One connection per batch of messages; STARTTLS, implicit TLS or a plain relay as configured; the
server's certificate is checked against the system's authorities. Failures come back as one
French sentence for the managers' page, never with the password.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage

from api.settings import Settings

TIMEOUT_S = 30.0


class MailError(Exception):
    """Sending failed; the message is French and names what to check."""


def configured(settings: Settings) -> bool:
    """Whether e-mail is on (an SMTP server is named)."""
    return bool(settings.smtp_host)


def _connect(settings: Settings, context: ssl.SSLContext | None) -> smtplib.SMTP:
    if settings.smtp_security == "tls":
        return smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S, context=context
        )
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S)
    if settings.smtp_security == "starttls":
        client.starttls(context=context)
    return client


@dataclass(frozen=True)
class Sent:
    """What the server did with a batch: how many it accepted, which addresses it refused."""

    accepted: int
    refused: tuple[str, ...] = ()


def send(
    settings: Settings, messages: Iterable[EmailMessage], context: ssl.SSLContext | None = None
) -> Sent:
    """Send ``messages`` (one recipient each) over one connection.

    A refused recipient does not stop the others. ``context``: the TLS context (default: the
    system's authorities, host name checked). Raises ``MailError`` when the server cannot be
    reached or refuses the login.
    """
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    context = context or ssl.create_default_context()
    sent = 0
    refused: list[str] = []
    try:
        with _connect(settings, context) as client:
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password)
            for mail in messages:
                try:
                    client.send_message(mail)
                except smtplib.SMTPRecipientsRefused as exc:
                    refused.extend(sorted(exc.recipients))
                else:
                    sent += 1
    except smtplib.SMTPAuthenticationError:
        raise MailError(
            f"le serveur d'envoi {where} refuse l'identifiant ou le mot de passe "
            "(COULOIR_SMTP_USER, COULOIR_SMTP_PASSWORD)"
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise MailError(
            f"le serveur d'envoi {where} ne propose pas STARTTLS : essayez "
            "COULOIR_SMTP_SECURITY=tls (port 465)"
        ) from None
    except (ssl.SSLError, ssl.CertificateError) as exc:
        raise MailError(
            f"la connexion chiffrée avec {where} a échoué ({exc.__class__.__name__}) : "
            "vérifiez COULOIR_SMTP_SECURITY et le certificat du serveur"
        ) from None
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise MailError(
            f"le serveur d'envoi {where} n'a pas pu être joint ou a refusé l'envoi "
            f"({exc.__class__.__name__}, {sent} message(s) partis avant)"
        ) from None
    return Sent(sent, tuple(refused))
