"""Where templates are looked up: the user's override folder, then the default theme."""

from __future__ import annotations

from pathlib import Path

from digest.config import Config


def theme_dir() -> Path:
    """The default theme's folder: inside the package when installed, else the repository's ``templates/``."""
    packaged = Path(__file__).parents[1] / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parents[2] / "templates"


def template_dirs(config: Config) -> list[Path]:
    """The folders templates are looked up in: the user's override folder first, then the theme."""
    return [folder for folder in (config.templates, theme_dir()) if folder is not None]
