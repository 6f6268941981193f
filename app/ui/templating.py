"""The one Jinja2 environment every screen renders with.

Each screen keeps its templates in ``app/ui/<screen>/templates``; the environment searches them all, so a
template name must be unique across screens (a test checks this) and a screen may extend the staff
``base.html`` of the home screen. Resident text comes from ``app.i18n.jinja`` (``t()``, ``n()``, ``i18n``).
"""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from app.i18n.jinja import install_jinja

UI = Path(__file__).resolve().parent
SCREENS = ("home", "call", "chat", "reservation", "resident", "report", "admin", "desk_settings", "docs")


def template_dirs() -> list[Path]:
    """Every screen's template folder, in a fixed order."""
    return [UI / screen / "templates" for screen in SCREENS]


templates = Jinja2Templates(directory=template_dirs())
install_jinja(templates.env)
