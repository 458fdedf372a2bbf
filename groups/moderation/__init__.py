"""Moderation: the code of conduct, penalty ladders, violations and their penalties, appeals and
the violation desk. Its models live in groups.models.moderation.

Imports run one way: `ladders` and `selectors` only read; groups.services reads `selectors`
(join checks); `services` may call groups.services (a kick ends a membership), never the reverse.
"""
