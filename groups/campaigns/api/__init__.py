"""The campaigns API: /api/campaigns/, /api/plays/, /api/referrals/, /api/follow-ups/ (see urls.py)."""
