from celery import shared_task
from django.conf import settings
from django.utils import timezone

from links import spool
from links.capture import flush_click_buffer
from links.models import Link
from links.preview import fetch_preview


@shared_task
def flush_clicks() -> int:
    """Beat runs this every second: the Redis buffer or the embedded spool into the database. It is
    idempotent, so runs may overlap (one of them works, the others return) or be missed."""
    if settings.LINKS_CLICK_BUFFER == "redis":
        return flush_click_buffer()
    if settings.LINKS_CLICK_BUFFER == "spool":
        return spool.drain()
    return 0


@shared_task(autoretry_for=(), ignore_result=True)
def fetch_link_preview(link_id: int) -> None:
    link = Link.objects.filter(pk=link_id).only("url").first()
    if link is None:
        return
    title, description = fetch_preview(link.url)
    Link.objects.filter(pk=link_id, url=link.url).update(
        og_title=title, og_description=description, og_fetched_at=timezone.now()
    )
