import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suo.settings")
django_application = get_wsgi_application()

from links.fastpath import ShortLinkFastPath  # noqa: E402  (needs Django set up)

application = ShortLinkFastPath(django_application)
