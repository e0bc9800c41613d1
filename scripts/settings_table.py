"""Print the README's configuration table from the settings classes (one source of truth).

.venv/bin/python scripts/settings_table.py
"""

from __future__ import annotations

from pydantic import BaseModel

from api.settings import Settings
from display.settings import ENV_PREFIX, DisplaySettings


def rows(cls: type[BaseModel], where: str) -> list[str]:
    """One Markdown row per setting: variable, default, who reads it, what it does."""
    prefix = str(cls.model_config.get("env_prefix", ENV_PREFIX))
    out = []
    for name, field in cls.model_fields.items():
        if field.default_factory is not None:
            default = "(computed)"
        elif field.default in (None, ""):
            default = "(empty)"
        else:
            default = f"`{field.default}`"
        help_text = (field.description or "").replace("|", "\\|").replace("\n", " ")
        out.append(f"| `{prefix.upper()}{name.upper()}` | {default} | {where} | {help_text} |")
    return out


if __name__ == "__main__":
    print("| variable | default | read by | meaning |")
    print("|---|---|---|---|")
    for line in rows(Settings, "server") + rows(DisplaySettings, "screen"):
        print(line)
