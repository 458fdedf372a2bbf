"""Factories for the references that groups' and campaigns' models share (the row a row belongs to,
its group, its member), so each is declared once. They return the field a model would declare by
hand: migrations see no difference. The columns every app shares are in suo.fields."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


def parent_fk(
    to: Any, verbose_name: Any, related_name: str = "+", **extra: Any
) -> "models.ForeignKey[Any, Any]":
    """The row this row belongs to and is deleted with."""
    return models.ForeignKey(
        to, on_delete=models.CASCADE, related_name=related_name, verbose_name=verbose_name, **extra
    )


def community_fk(related_name: str = "+", **extra: Any) -> "models.ForeignKey[Any, Any]":
    """The group a row belongs to (the API and the admin say group)."""
    return parent_fk("groups.Community", _("group"), related_name, **extra)


def member_fk(related_name: str = "+", verbose_name: Any = None) -> "models.ForeignKey[Any, Any]":
    """The member a row is about (or, with its own verbose name, the inviter, the invitee…)."""
    return parent_fk("groups.Member", verbose_name or _("member"), related_name)
