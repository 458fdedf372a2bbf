"""Where a visit goes once the redirect is decided: the Redis buffer, this process's spool file, or,
when neither is configured (tests, `LINKS_CLICK_BUFFER=direct`), straight into the database.

Apart from links.capture because the spool builds on the capture's storing code."""

import logging

from django.conf import settings

from links import spool
from links.capture import Visit, redis_client, serialized, store_visits

logger = logging.getLogger(__name__)


def capture(visit: Visit) -> None:
    """Record a visit: buffered in Redis or spooled when configured, else straight into the database."""
    buffer = settings.LINKS_CLICK_BUFFER
    if buffer == "redis":
        try:
            redis_client().rpush(settings.LINKS_BUFFER_KEY, serialized(visit))
            return
        except Exception:  # Redis is down: the visit must not be lost, write it directly
            logger.exception("click buffer unavailable; writing the visit to the database")
    elif buffer == "spool":
        try:
            spool.append(visit)
            return
        except OSError:  # a full or read-only disk: the visit must not be lost, write it directly
            logger.exception("click spool unavailable; writing the visit to the database")
    store_visits([visit], known_new=True)
