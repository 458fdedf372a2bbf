"""Welcome and announcement templates: `{nickname}`, `{group}`, `{inviter}`, `{rules}`."""

from string import Formatter

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PLACEHOLDERS = ("nickname", "group", "inviter", "rules")


def validate_template(text: str) -> None:
    """Refuse unknown placeholders, format tricks (`{a.b}`, `{a!r}`, `{a:>5}`) and stray braces."""
    if not text:
        return
    try:
        parsed = list(Formatter().parse(text))
    except ValueError as exc:
        raise ValidationError(
            _("The template has an unmatched “{” or “}”; write {{ or }} for a literal brace."),
            code="bad_template",
        ) from exc
    unknown = []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            unknown.append(
                "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            )
    if unknown:
        raise ValidationError(
            _("Unknown placeholder(s): %(unknown)s. Use only %(known)s."),
            params={
                "unknown": ", ".join(unknown),
                "known": ", ".join("{" + name + "}" for name in PLACEHOLDERS),
            },
            code="unknown_placeholder",
        )


def render_template(text: str, **values: str) -> str:
    """Fill a template that passed validate_template; missing values render empty."""
    if not text:
        return ""
    context = {name: str(values.get(name) or "") for name in PLACEHOLDERS}
    return text.format_map(context)
