"""Factories for the references that groups' and campaigns' models share (a row's group, its member),
so each is declared once. They return the field a model would declare by hand: migrations see no
difference. The columns every app shares (the workspace, the parent row…) are in suo.fields."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from suo.fields import parent_fk


def community_fk(related_name: str = "+", **extra: Any) -> "models.ForeignKey[Any, Any]":
    """The group a row belongs to (the API and the admin say group)."""
    return parent_fk("groups.Community", _("group"), related_name, **extra)


def member_fk(related_name: str = "+", verbose_name: Any = None) -> "models.ForeignKey[Any, Any]":
    """The member a row is about (or, with its own verbose name, the inviter, the invitee…)."""
    return parent_fk("groups.Member", verbose_name or _("member"), related_name)
