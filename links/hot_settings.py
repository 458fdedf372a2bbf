"""The settings the redirect reads on every visit, as plain attributes.

`django.conf.settings` is a lazy proxy: each read costs about half a microsecond, and a counted
redirect read seventeen. This snapshot is rebuilt whenever the settings change (Django's
`setting_changed`, which test overrides send), so it always says what the settings say.
"""

from types import SimpleNamespace

from django.conf import settings
from django.core.signals import setting_changed

NAMES = (
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REFERRER_POLICY",
    "SECURE_HSTS_SECONDS",
    "SECRET_KEY",
    "REDIS_URL",
    "LINKS_CAPTURE",
    "LINKS_CLICK_BUFFER",
    "LINKS_CACHE_GENERATION_FILE",
    "LINKS_COUNTRY_HEADER",
    "LINKS_TRUSTED_PROXIES",
    "LINKS_SPOOL_DIR",
)

hot = SimpleNamespace()


def refresh(**kwargs) -> None:
    hot.__dict__.update({name: getattr(settings, name) for name in NAMES})


refresh()
setting_changed.connect(refresh, dispatch_uid="links.hot_settings")
