"""« Activité de l'agence »: the month's collective figures, large, each with the bars of the
seven last months drawn beside it; the median days to fill by urgency; the running chantiers.

Figures only, never a person's count (the snapshot carries none). On a landscape screen it all
fits one view; a portrait screen shows the figures, then the delays and chantiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pygame

from api.contract import ActivityMonth, PlaylistScene, Snapshot, SnapshotActivity
from display.assets import Assets
from display.french import plural
from display.scenes.base import Canvas, Scene, centred_message, draw_shape, heading
from display.theme import Colour, Theme, urgency_style

TITLE = "Activité de l'agence"
# How tall the big figures are, in multiples of the smallest text.
FIGURE_SCALE = 2.6
CHART_SCALE = 2.4  # the bars' height, in multiples of the smallest text's line


@dataclass(frozen=True)
class _Figure:
    """One big figure: label variants (longest first), value, detail variants, monthly series."""

    labels: list[str]
    value: int
    details: list[str]
    series: list[int]


def _tpe(n: int) -> list[str]:
    return [f"dont {n} TPE", f"{n} TPE"]


def figures(activity: SnapshotActivity, challenge_words: str | None = None) -> list[_Figure]:
    """The four figures of the running month, each with its seven-month series."""
    months = activity.months
    now: ActivityMonth = months[-1]
    withdrawn = plural(now.closed, "retirée", "retirées")
    hired = plural(now.proposals_hired, "embauché", "embauchés")
    return [
        _Figure(["Offres ouvertes", "Ouvertes"], now.opened, _tpe(now.opened_tpe),
                [m.opened for m in months]),
        _Figure(["Offres pourvues", "Pourvues"], now.filled,
                [f"dont {now.filled_tpe} TPE · {withdrawn}", *_tpe(now.filled_tpe)],
                [m.filled for m in months]),
        _Figure(["Candidats proposés", "Candidats"], now.proposals,
                [f"dont {hired}", hired], [m.proposals for m in months]),
        _Figure(["Embauches racontées", "Embauches"], now.hires,
                [challenge_words, "ce mois-ci"] if challenge_words else ["ce mois-ci"],
                [m.hires for m in months]),
    ]  # fmt: skip


def days_words(value: float | None, short: bool = False) -> str:
    """« 12 jours », « 12,5 j » (``short``), « — » without an offer.

    >>> days_words(12.0), days_words(12.5, short=True), days_words(None), days_words(1.0)
    ('12 jours', '12,5 j', '—', '1 jour')
    """
    if value is None:
        return "—"
    number = str(int(value)) if value == int(value) else f"{value:.1f}".replace(".", ",")
    if short:
        return f"{number} j"
    return f"{number} jour" if value < 2 else f"{number} jours"


class ActivityScene(Scene):
    name = PlaylistScene.ACTIVITY
    view_seconds = 15.0

    def views(self, snapshot: Snapshot, theme: Theme, assets: Assets, now: datetime) -> int:
        if snapshot.activity is None or not snapshot.activity.months:
            return 0
        return 2 if theme.portrait else 1

    def draw(self, canvas: Canvas, snapshot: Snapshot, view: int, now: datetime) -> None:
        activity = snapshot.activity
        theme = canvas.theme
        if activity is None or not activity.months:
            heading(canvas, TITLE)
            centred_message(
                canvas,
                "Les chiffres de l'agence arrivent bientôt",
                "Ils s'affichent dès que le serveur les envoie.",
                shape="diamond",
            )
            return
        pages = 2 if theme.portrait else 1
        page = view % pages
        month = activity.month_label
        aside = [f"{month} · barres : 7 derniers mois", month, month.split(" ")[0]]
        if pages > 1:
            aside = [f"{month} · {page + 1}/{pages}", f"{page + 1}/{pages}"]
        top = heading(canvas, TITLE, aside)
        bounds = canvas.bounds
        body = pygame.Rect(0, top, bounds.width, bounds.height - top)
        challenge = snapshot.challenge
        words = f"défi : {challenge.total} / {challenge.goal}" if challenge else None
        items = figures(activity, words)
        gap = theme.gap
        if theme.portrait:
            if page == 0:
                self._cards(canvas, items, body, columns=2)
            else:
                split = self._delays_height(canvas, activity)
                self._delays(canvas, activity, pygame.Rect(body.left, body.top, body.width, split))
                rest = pygame.Rect(body.left, body.top + split + gap, body.width, 0)
                rest.height = body.bottom - rest.top
                self._chantiers(canvas, activity, rest)
            return
        lower_h = self._delays_height(canvas, activity)
        cards = pygame.Rect(body.left, body.top, body.width, body.height - lower_h - gap)
        self._cards(canvas, items, cards, columns=4)
        half = (body.width - gap) // 2
        lower_top = cards.bottom + gap
        self._delays(canvas, activity, pygame.Rect(body.left, lower_top, half, lower_h))
        self._chantiers(
            canvas, activity, pygame.Rect(body.left + half + gap, lower_top, half, lower_h)
        )

    # --- the big figures ------------------------------------------------------------

    def _cards(self, canvas: Canvas, items: list[_Figure], area: pygame.Rect, columns: int) -> None:
        theme = canvas.theme
        gap = theme.gap
        rows = (len(items) + columns - 1) // columns
        w = (area.width - gap * (columns - 1)) // columns
        h = (area.height - gap * (rows - 1)) // rows
        for i, item in enumerate(items):
            row, column = divmod(i, columns)
            rect = pygame.Rect(area.left + column * (w + gap), area.top + row * (h + gap), w, h)
            self._card(canvas, item, rect)

    def _card(self, canvas: Canvas, item: _Figure, rect: pygame.Rect) -> None:
        theme = canvas.theme
        pal = theme.palette
        fonts = canvas.texts.assets.font
        canvas.fill(rect, pal.card, radius=theme.radius)
        pad = theme.u(18 if theme.portrait else 22)
        inner = rect.inflate(-2 * pad, -2 * pad)
        small = fonts("regular", theme.min_px).get_linesize()
        bold = fonts("bold", theme.min_px).get_linesize()
        big_px = theme.text_px(FIGURE_SCALE)
        big = fonts("bold", big_px).get_linesize()
        y = inner.top
        canvas.text_first(
            item.labels, pygame.Rect(inner.left, y, inner.width, bold),
            px=theme.min_px, face="bold", role="activity-label",
        )  # fmt: skip
        y += bold
        canvas.text(
            str(item.value), pygame.Rect(inner.left, y, inner.width, big),
            px=big_px, face="bold", min_px=theme.min_px, role="activity-figure",
        )  # fmt: skip
        y += big
        canvas.text_first(
            item.details, pygame.Rect(inner.left, y, inner.width, small),
            px=theme.min_px, colour=pal.muted, role="activity-detail",
        )  # fmt: skip
        y += small + theme.u(10)
        chart = pygame.Rect(inner.left, y, inner.width, inner.bottom - y)
        if chart.height >= theme.u(24):
            self._bars(canvas, item.series, chart, pal.cde, pal.accent)

    def _bars(
        self, canvas: Canvas, series: list[int], rect: pygame.Rect, colour: Colour, last: Colour
    ) -> None:
        """A small bar chart: one bar a month, the running month's (last) in ``last``."""
        theme = canvas.theme
        count = len(series)
        if not count:
            return
        step = rect.width / count
        bar = max(2, round(step * 0.62))
        peak = max(1, *series)
        floor = max(2, theme.u(4))  # a month with nothing still shows a sliver on the line
        base = rect.bottom
        pygame.draw.line(
            canvas.surface, theme.palette.card_edge, (rect.left, base), (rect.right, base),
            max(1, theme.u(2)),
        )  # fmt: skip
        for i, value in enumerate(series):
            h = max(floor, round((rect.height - floor) * value / peak))
            x = round(rect.left + i * step + (step - bar) / 2)
            canvas.fill(
                pygame.Rect(x, base - h, bar, h), last if i == count - 1 else colour,
                radius=theme.u(3),
            )  # fmt: skip
        canvas.region(rect, "activity-bars", tuple(series))

    # --- median days to fill, by urgency level ----------------------------------------

    def _delays_height(self, canvas: Canvas, activity: SnapshotActivity) -> int:
        theme = canvas.theme
        fonts = canvas.texts.assets.font
        line = fonts("bold", theme.min_px).get_linesize()
        rows = max(1, len(activity.fill_days))
        return 2 * theme.u(18) + line + theme.u(8) + rows * (line + theme.u(8))

    def _delays(self, canvas: Canvas, activity: SnapshotActivity, rect: pygame.Rect) -> None:
        theme = canvas.theme
        pal = theme.palette
        fonts = canvas.texts.assets.font
        canvas.fill(rect, pal.card, radius=theme.radius)
        pad = theme.u(18)
        inner = rect.inflate(-2 * pad, -2 * pad)
        line = fonts("bold", theme.min_px).get_linesize()
        canvas.text_first(
            ["Délai médian pour pourvoir", "Délai pour pourvoir", "Délai médian"],
            pygame.Rect(inner.left, inner.top, inner.width, line),
            px=theme.min_px, face="bold", role="activity-panel",
        )  # fmt: skip
        rows = activity.fill_days
        if not rows:
            return
        icon = round(line * 0.6)
        label_w = max(canvas.fit(r.label, inner, px=theme.min_px).width for r in rows)
        value_long = [days_words(r.median_days) for r in rows]
        value_w = max(canvas.fit(v, inner, px=theme.min_px, face="bold").width for v in value_long)
        spacing = theme.u(14)
        short = icon + label_w + value_w + 4 * spacing + theme.u(40) > inner.width
        values = [days_words(r.median_days, short=True) for r in rows] if short else value_long
        value_w = max(canvas.fit(v, inner, px=theme.min_px, face="bold").width for v in values)
        bar_left = inner.left + icon + spacing + label_w + spacing
        bar_room = max(0, inner.right - value_w - spacing - bar_left)
        peak = max([1.0, *(r.median_days or 0.0 for r in rows)])
        y = inner.top + line + theme.u(8)
        for row, words in zip(rows, values, strict=True):
            style = urgency_style(row.level)
            mark = pygame.Rect(inner.left, y + (line - icon) // 2, icon, icon)
            draw_shape(canvas.surface, style.icon, mark, style.colour)
            label_rect = pygame.Rect(mark.right + spacing, y, label_w + 1, line)
            canvas.text(row.label, label_rect, px=theme.min_px, role="activity-level")
            width = round(bar_room * (row.median_days or 0.0) / peak)
            bar = pygame.Rect(bar_left, y + line // 4, max(theme.u(4), width), line // 2)
            if bar_room > 0:
                canvas.fill(bar, style.colour, radius=theme.u(3))
                canvas.region(bar, "activity-delay", (row.level, row.median_days))
            value_rect = pygame.Rect(inner.right - value_w, y, value_w, line)
            canvas.text(
                words, value_rect, px=theme.min_px, face="bold", align="right",
                role="activity-days",
            )  # fmt: skip
            y += line + theme.u(8)

    # --- chantiers -------------------------------------------------------------------

    def _chantiers(self, canvas: Canvas, activity: SnapshotActivity, rect: pygame.Rect) -> None:
        theme = canvas.theme
        pal = theme.palette
        fonts = canvas.texts.assets.font
        canvas.fill(rect, pal.card, radius=theme.radius)
        pad = theme.u(18)
        inner = rect.inflate(-2 * pad, -2 * pad)
        line = fonts("bold", theme.min_px).get_linesize()
        canvas.text(
            "Chantiers en cours et à venir", pygame.Rect(inner.left, inner.top, inner.width, line),
            px=theme.min_px, face="bold", role="activity-panel",
        )  # fmt: skip
        y = inner.top + line + theme.u(8)
        items = activity.chantiers
        if not items:
            canvas.text(
                "Aucun chantier pour l'instant.", pygame.Rect(inner.left, y, inner.width, line),
                px=theme.min_px, colour=pal.muted, role="activity-chantier",
            )  # fmt: skip
            return
        step = line + theme.u(8)
        room = max(1, (inner.bottom - y + theme.u(8)) // step)
        shown = items if len(items) <= room else items[: max(0, room - 1)]
        badge_w = max(
            canvas.fit(label, inner, px=theme.min_px, face="bold").width
            for label in ("en cours", "à venir")
        ) + 2 * theme.u(12)
        for item in shown:
            running = item.state == "en_cours"
            badge = pygame.Rect(inner.left, y, badge_w, line)
            canvas.fill(badge, pal.accent if running else pal.card_edge, radius=theme.u(8))
            canvas.text(
                item.state_label, badge, px=theme.min_px, face="bold", align="center",
                colour=pal.accent_ink if running else pal.text, role="activity-state",
            )  # fmt: skip
            title = pygame.Rect(
                badge.right + theme.u(14), y, inner.right - badge.right - theme.u(14), line
            )
            canvas.text_first(
                [f"{item.title} · {item.kind_label}", item.title], title,
                px=theme.min_px, role="activity-chantier",
            )  # fmt: skip
            y += step
        if len(shown) < len(items):
            more = len(items) - len(shown)
            canvas.text(
                f"+ {plural(more, 'autre chantier', 'autres chantiers')}",
                pygame.Rect(inner.left, y, inner.width, line),
                px=theme.min_px, colour=pal.muted, role="activity-more",
            )  # fmt: skip
