"""Text on the corridor screen: wrapping, ellipsis, French spacing, missing glyphs, caches."""

from __future__ import annotations

import pygame

from display.text import ELLIPSIS, TextRenderer


def test_long_text_wraps_then_ends_with_an_ellipsis(assets):
    texts = TextRenderer(assets)
    text = "Établissements Œuvres & Façonnages Provençaux du Grand Avignon " * 3
    layout = texts.fit(text, width=500, height=200, face="regular", px=36, max_lines=2)
    assert len(layout.lines) == 2
    assert layout.lines[-1].endswith(ELLIPSIS)
    assert all(w <= 500 for w in layout.widths)
    font = assets.font("regular", 36)
    assert all(font.size(line)[0] <= 500 for line in layout.lines)


def test_text_shrinks_to_its_floor_before_cutting(assets):
    texts = TextRenderer(assets)
    text = "Mécanicien·ne poids lourds confirmé·e"
    natural = assets.font("bold", 60).size(text)[0]
    layout = texts.fit(text, width=int(natural * 0.8), height=200, face="bold", px=60, min_px=40)
    assert 40 <= layout.px < 60
    assert layout.lines == (text,)
    floor = texts.fit(text, width=200, height=60, face="bold", px=60, min_px=40)
    assert floor.px == 40 and floor.lines[0].endswith(ELLIPSIS)


def test_a_single_huge_word_is_broken_not_overflowing(assets):
    texts = TextRenderer(assets)
    word = "Saint-Rémy-de-Provence-lès-Alpilles-et-Durance-sur-le-Rhône"
    layout = texts.fit(word, width=300, height=500, face="regular", px=36, max_lines=5)
    assert len(layout.lines) > 1
    assert all(w <= 300 for w in layout.widths)
    assert "".join(layout.lines) == word


def test_french_punctuation_stays_with_its_word(assets):
    texts = TextRenderer(assets)
    text = "Il a dit « bravo » : quelle équipe ! Vraiment ?"
    for width in range(260, 700, 20):  # wide enough for « bravo » : as one block
        layout = texts.fit(text, width=width, height=2000, face="regular", px=36, max_lines=20)
        for line in layout.lines:
            assert not line.startswith(("»", ":", "!", "?"))
            assert not line.endswith("«")


def test_emoji_the_font_lacks_are_dropped(assets):
    texts = TextRenderer(assets)
    assert texts.clean("Bravo 🎉 l'équipe 👩‍💼 !") == "Bravo l'équipe\u00a0!"
    assert texts.clean("Pâtissier·ère 🥖") == "Pâtissier·ère"
    # Accents, ligatures and typographic signs are kept.
    assert (
        texts.clean("Œnologue — « très » 1er · 10 €") == "Œnologue — «\u00a0très\u00a0» 1er · 10 €"
    )
    # Control characters and line breaks become plain spacing.
    assert texts.clean("a\nb\tc\u200bd") == "a b cd"


def test_rendered_lines_are_cached_by_content(assets):
    texts = TextRenderer(assets)
    first = texts.line("10:15", "bold", 58, (255, 255, 255))
    assert texts.line("10:15", "bold", 58, (255, 255, 255)) is first
    assert texts.line("10:16", "bold", 58, (255, 255, 255)) is not first
    small = TextRenderer(assets, budget_bytes=first.get_width() * first.get_height() * 4 * 2)
    for minute in range(60):
        small.line(f"10:{minute:02d}", "bold", 58, (255, 255, 255))
    assert small.cache_bytes() <= small._surfaces.budget


def test_fonts_come_from_the_system_when_assets_are_not_installed(tmp_path):
    from display.assets import FACES, SYSTEM_FONTS, Assets

    loaded = Assets.load(tmp_path)  # an installed package without assets/
    if all((SYSTEM_FONTS / name).exists() for name in FACES.values()):
        assert loaded.font("bold", 36).size("Offres") == Assets.load().font("bold", 36).size(
            "Offres"
        )
    else:
        assert loaded.font("bold", 36).get_height() > 0  # pygame's own font, still readable


def test_one_font_per_face_measures_like_a_font_opened_at_each_size(assets):
    from display.assets import ASSETS_DIR, FACES

    path = ASSETS_DIR / "fonts" / FACES["bold"]
    for px in (60, 24, 36, 60, 18):
        shared = assets.font("bold", px)
        fresh = pygame.font.Font(path, px)
        assert shared.size("Très urgent · Boulangère") == fresh.size("Très urgent · Boulangère")
        assert shared.get_linesize() == fresh.get_linesize()
    assert assets.font("bold", 24) is assets.font("bold", 48)


def test_a_corrupted_font_file_falls_back_to_a_readable_font(tmp_path, caplog):
    from display.assets import FACES, Assets

    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / FACES["bold"]).write_bytes(b"\x00not a font" * 100)
    loaded = Assets.load(tmp_path)
    line = loaded.font("bold", 36).render("Offres en cours", True, (255, 255, 255))
    assert line.get_width() > 100 and line.get_height() > 20
    assert "illisible" in caplog.text
