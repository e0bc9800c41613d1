"""La criée as an e-mail: a French subject, a plain-text part and an HTML part whose photos travel
inline (``cid:``), so the message reads the same offline and in clients that block images from
the web. Rendered from the same ``criee.Issue`` as the phone page and the screen's ticker.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.clock import aware, zone
from api.domain import french
from api.models.agenda import KIND_LABELS
from api.services import agenda, criee
from api.services.offers import offer_path

TEMPLATES = Path(__file__).with_name("templates")
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _long_date(value: date | datetime) -> str:
    day = value.date() if isinstance(value, datetime) else value
    return french.long_date(day)


_env.filters.update(long_date=_long_date)
_env.globals.update(plural=french.plural)


def _agenda_line(occurrence: agenda.Occurrence, tz: tzinfo) -> str:
    """« vendredi 4 décembre, 9 h 00 – 10 h 30 : Job dating (Job dating CDE × CDDE), Salle Rhône »;
    the kind is left out when the title says it already."""
    event = occurrence.event
    starts, ends = (
        aware(occurrence.starts_at).astimezone(tz),
        aware(occurrence.ends_at).astimezone(tz),
    )
    line = f"{french.long_date(starts.date())}, {french.hour_minute(starts)} – "
    line += f"{french.hour_minute(ends)} : {event.title}"
    kind = KIND_LABELS.get(event.kind, event.kind)
    if kind != event.title:
        line += f" ({kind})"
    return f"{line}, {event.place}" if event.place else line


def subject(issue: criee.Issue) -> str:
    """« La criée de l'agence d'Avignon Sud — semaine 48, du 23 au 29 novembre 2026 »."""
    return f"La criée {french.de_account(issue.agency.name)} — {issue.week.label()}"


def message(
    issue: criee.Issue,
    *,
    sender: str,
    recipient: str,
    public_url: str,
    photos: dict[int, bytes],
) -> EmailMessage:
    """The e-mail of ``issue`` for ``recipient``; ``photos`` are JPEG thumbnails by hire id,
    only for hires whose photo may be shown (consent recorded)."""
    domain = sender.rpartition("@")[2].strip(" >") or "couloir.local"
    cids = {hire_id: make_msgid("photo", domain=domain) for hire_id in photos}
    tz = zone(issue.agency.timezone)
    context = {
        "issue": issue,
        "kind_labels": KIND_LABELS,
        "page_url": f"{public_url}{criee.CRIEE_PAGE}/{issue.week.key}",
        "offer_url": lambda code: f"{public_url}{offer_path(code)}",
        "cids": {hire_id: cid[1:-1] for hire_id, cid in cids.items()},  # without <>
        "hm": lambda moment: french.hour_minute(aware(moment).astimezone(tz)),
        "local_day": lambda moment: aware(moment).astimezone(tz).date(),
        "agenda_line": lambda occurrence: _agenda_line(occurrence, tz),
    }
    mail = EmailMessage()
    mail["Subject"] = subject(issue)
    mail["From"] = sender
    mail["To"] = recipient
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid("criee", domain=domain)
    mail["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to a newsletter
    mail.set_content(_env.get_template("criee.txt").render(context))
    mail.add_alternative(_env.get_template("criee.html").render(context), subtype="html")
    html = mail.get_payload()[1]
    for hire_id, jpeg in photos.items():
        html.add_related(jpeg, maintype="image", subtype="jpeg", cid=cids[hire_id])
    return mail
