"""Which scene the screen shows, and for how long: playlist slots, pages, urgent takeovers.

The Playlist decides; the Renderer draws. Each frame the renderer calls ``advance``; the
playlist calls back ``enter(name, view, transition)`` when another view must come in, and
``prerender(name, view, now)`` shortly before, so the transition itself only moves
pictures already drawn. The renderer drives it this way::

    playlist = Playlist(theme, assets, enter=show_view, prerender=draw_ahead)
    playlist.set_snapshot(snapshot, restart=True)
    playlist.advance(dt, now)        # every frame

Scene names come from the registry (``display.scenes``): the playlist's own from the
snapshot, the takeover scene from the scene that declares ``takes_over``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from api.contract import PlaylistScene, Snapshot
from display.assets import Assets
from display.scenes import PLAYLIST_SCENES, SCENES, TAKEOVER_SCENE
from display.theme import Theme

PRERENDER_LEAD_S = 0.5  # render the coming view this long before it slides in
VIEWS_TTL_S = 2  # how long a scene's count of views is trusted (announcements expire)
DEFAULT_PLAYLIST = ((PlaylistScene.OFFERS.value, 60),)

EnterView = Callable[[str, int, bool], None]
Prerender = Callable[[str, int, datetime], None]


class Playlist:
    """The playlist's position: current slot and view, and the next view of each scene.

    An urgent announcement takes the screen over until it ends; ``pin`` holds the
    playlist on one scene (screenshots, tests) while its views still take turns.
    """

    def __init__(
        self, theme: Theme, assets: Assets, *, enter: EnterView, prerender: Prerender
    ) -> None:
        self.theme = theme
        self.assets = assets
        self._enter = enter
        self._prerender = prerender
        self.snapshot: Snapshot | None = None
        self.current_scene = ""
        self.view = 0
        self.forced: str | None = None
        self._slot = -1
        self._slot_elapsed = 0.0
        self._view_elapsed = 0.0
        self._next_view: dict[str, int] = {}
        self._view_counts: dict[tuple[str, int, int], int] = {}

    def set_snapshot(self, snapshot: Snapshot | None, *, restart: bool) -> None:
        """Count views afresh from ``snapshot``; ``restart`` begins the playlist again."""
        self.snapshot = snapshot
        self._view_counts.clear()
        if restart:
            self._slot = -1

    def pin(self, scene: str, view: int, now: datetime) -> None:
        """Hold the playlist on ``scene``, starting at ``view``."""
        self.forced = scene
        self._next_view[scene] = view
        self.switch(scene, now, transition=False)

    def jump(self, scene: str, now: datetime) -> None:
        """Bring ``scene``'s slot on now, from its first view (a challenge milestone)."""
        if self.forced or self.snapshot is None:
            return
        names = [n for n, _ in self.slots()]
        if scene in names:
            self._slot = names.index(scene)
            self._slot_elapsed = 0.0
            self._next_view[scene] = 0
            self.switch(scene, now)

    def slots(self) -> list[tuple[str, int]]:
        """(scene, seconds) slots of the snapshot's playlist that this screen can show."""
        assert self.snapshot is not None
        entries = [
            (e.scene, e.duration_s)
            for e in self.snapshot.screen.playlist
            if e.scene in PLAYLIST_SCENES
        ]
        return entries or list(DEFAULT_PLAYLIST)

    def views(self, name: str, now: datetime) -> int:
        """Views of scene ``name`` now; remembered per snapshot for a few seconds, since
        the loop asks every frame and counting pages is not free."""
        assert self.snapshot is not None
        key = (name, id(self.snapshot), int(now.timestamp() // VIEWS_TTL_S))
        found = self._view_counts.get(key)
        if found is None:
            if len(self._view_counts) > 64:
                self._view_counts.clear()
            found = SCENES[name].views(self.snapshot, self.theme, self.assets, now)
            self._view_counts[key] = found
        return found

    def coming_view(self, name: str, now: datetime) -> int:
        """The view ``name`` will show next."""
        views = max(1, self.views(name, now)) if self.snapshot else 1
        return self._next_view.get(name, 0) % views

    def switch(self, name: str, now: datetime, *, transition: bool = True) -> None:
        """Move on to the next view of ``name``."""
        view = self.coming_view(name, now)
        self._next_view[name] = view + 1
        self.current_scene = name
        self.view = view
        self._view_elapsed = 0.0
        self._enter(name, view, transition)

    def advance(self, dt: float, now: datetime) -> None:
        """Move through the playlist: views within a slot, then the next slot.

        Shortly before a switch, the coming view is rendered ahead.
        """
        if self.forced:
            # Pinned on one scene: its views (pages…) still take turns.
            self._view_elapsed += dt
            name = self.forced
            if self.current_scene != name:
                self.switch(name, now, transition=False)
            elif self.views(name, now) > 1:
                left = SCENES[name].view_seconds - self._view_elapsed
                if left <= 0:
                    self.switch(name, now)
                elif left <= PRERENDER_LEAD_S:
                    self._ahead(name, now)
            return
        takeover = TAKEOVER_SCENE
        if self.views(takeover, now) > 0:
            if self.current_scene != takeover:
                self._next_view[takeover] = 0
                self.switch(takeover, now)
            else:
                self._view_elapsed += dt
                if self._view_elapsed >= SCENES[takeover].view_seconds:
                    self.switch(takeover, now)
            return
        playlist = self.slots()
        if self.current_scene == takeover or self._slot < 0 or self._slot >= len(playlist):
            self._next_slot(playlist, now, first=self._slot < 0)
            return
        name, duration = playlist[self._slot]
        views = self.views(name, now)
        if name != self.current_scene or views == 0:
            self._next_slot(playlist, now)
            return
        self._slot_elapsed += dt
        self._view_elapsed += dt
        slot_left = duration - self._slot_elapsed
        view_left = SCENES[name].view_seconds - self._view_elapsed if views > 1 else math.inf
        if slot_left <= 0:
            self._next_slot(playlist, now)
        elif view_left <= 0:
            self.switch(name, now)
        elif min(slot_left, view_left) <= PRERENDER_LEAD_S:
            coming = name if view_left < slot_left else playlist[self._following(playlist, now)][0]
            self._ahead(coming, now)

    def _ahead(self, name: str, now: datetime) -> None:
        self._prerender(name, self.coming_view(name, now), now)

    def _following(
        self, playlist: list[tuple[str, int]], now: datetime, start: int | None = None
    ) -> int:
        """Index of the next slot with something to show (the first one if none has)."""
        start = self._slot if start is None else start
        for i in range(1, len(playlist) + 1):
            slot = (start + i) % len(playlist)
            if self.views(playlist[slot][0], now) > 0:
                return slot
        return 0

    def _next_slot(
        self, playlist: list[tuple[str, int]], now: datetime, first: bool = False
    ) -> None:
        self._slot = self._following(playlist, now, -1 if first else self._slot)
        self._slot_elapsed = 0.0
        self.switch(playlist[self._slot][0], now, transition=not first)
