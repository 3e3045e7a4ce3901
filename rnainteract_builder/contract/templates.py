"""The one Jinja2 environment for the project's Markdown templates (the dataset card, the model card)."""

from __future__ import annotations

from importlib import resources

import jinja2


def markdown_templates(package: str) -> jinja2.Environment:
    """Templates from ``<package>/templates/``: undefined names are errors, block tags leave no blank lines,
    and nothing is HTML-escaped (Markdown, not HTML)."""
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: resources.files(package).joinpath("templates", name).read_text(encoding="utf-8")
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
