"""The lottery draw, commit-reveal style, so that anyone can re-run it and check the winners.

Before the entry window opens suo draws a secret seed (32 random bytes, written as 64 lowercase
hex characters) and publishes only its commitment, SHA-256(seed hex string as UTF-8). After the
window closes the seed is revealed: everyone can check it matches the commitment, compute each
entry's score SHA-256("{seed}:{member_id}") and take the smallest scores. Neither the operator
(the seed is fixed before entries exist) nor a member (a score cannot be predicted without the
seed) can steer the result.
"""

import hashlib
import secrets
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

# Shown with the verification data (/api/plays/{id}/verify/) in the reader's language.
ALGORITHM = _(
    'Each entry\'s score is the SHA-256 hex digest of "{seed}:{member_id}" (UTF-8); the winners are the '
    "winners_count entries with the smallest scores, ties broken by the smaller member id, in that order; "
    "the commitment is the SHA-256 hex digest of the seed's hex string."
)


def new_seed() -> str:
    return secrets.token_hex(32)


def commitment_of(seed: str) -> str:
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def score(seed: str, member_id: int) -> str:
    return hashlib.sha256(f"{seed}:{member_id}".encode()).hexdigest()


def winners(seed: str, member_ids: Iterable[int], count: int) -> list[int]:
    """The `count` member ids with the smallest scores (ties by member id), best first."""
    return sorted(set(member_ids), key=lambda member_id: (score(seed, member_id), member_id))[:count]
