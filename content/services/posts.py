"""Posts: schedule an item into groups with tracked links, send it on time, record engagement.

Scheduled work, as everywhere in suo: the Post row has a due time and a state; post_create
enqueues an ETA task with its id on commit; post_send claims the row with a conditional UPDATE
(state due → sent) so the task and the reconciler (posts_reconcile, in the beat schedule) never
send it twice.
"""

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from content.models import ContentItem, ItemStatus, Post, PostDelivery, PostEngagement, PostLink, PostState
from content.services.common import sweep, user_or_none
from groups.event_kinds import KindEvent, Rejection
from groups.models import Community, CommunityState, Membership
from links.services import link_create
from suo.audit import audit_record
from suo.models import Workspace
from suo.queue import enqueue_on_commit
from suo.webhooks import webhook_emit_many

MAX_GROUPS = 50
MAX_LINKS = 20
# A time a little in the past is "now" (clocks, slow clients); further back is a mistake.
PAST_TOLERANCE = timedelta(minutes=5)
# http(s) URLs up to whitespace, quotes, angle brackets or CJK punctuation; trailing ASCII
# punctuation (a full stop after a link) is not part of it.
URL_PATTERN = re.compile(
    r"https?://[^\s<>\"'\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+"
)
TRAILING = ".,;:!?)]}"


def body_urls(body: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of every http(s) URL in the body, in order."""
    found = []
    for match in URL_PATTERN.finditer(body):
        url = match.group(0).rstrip(TRAILING)
        if len(url) > len("https://"):
            found.append((match.start(), match.start() + len(url), url))
    return found


def _rewrite(body: str, spans: list[tuple[int, int, str]], short_urls: dict[str, str]) -> str:
    out, last = [], 0
    for start, end, url in spans:
        out.extend([body[last:start], short_urls[url]])
        last = end
    out.append(body[last:])
    return "".join(out)


def _check_groups(workspace: Workspace, groups) -> list[Community]:
    groups = list(dict.fromkeys(groups or []))
    if not groups:
        raise ValidationError({"groups": _("Choose at least one group.")})
    if len(groups) > MAX_GROUPS:
        raise ValidationError({"groups": _("At most %(max)d groups per post.") % {"max": MAX_GROUPS}})
    if any(group.workspace_id != workspace.pk for group in groups):
        raise ValidationError({"groups": _("A group belongs to another workspace.")})
    archived = [group.name for group in groups if group.state == CommunityState.ARCHIVED]
    if archived:
        raise ValidationError(
            {"groups": _("“%(group)s” is archived and takes no posts.") % {"group": archived[0]}}
        )
    return groups


@transaction.atomic
def post_create(
    *, workspace: Workspace, item: ContentItem, groups, scheduled_at: datetime | None = None, by=None
) -> Post:
    """Schedule `item` into `groups`; each group gets the body with every URL replaced by a tracked
    short link of its own (source `post-<id>`), so clicks are counted per post and group."""
    now = timezone.now()
    scheduled_at = scheduled_at or now
    if item.workspace_id != workspace.pk:
        raise ValidationError({"item": _("The item belongs to another workspace.")})
    if item.status == ItemStatus.ARCHIVED:
        raise ValidationError({"item": _("The item is archived; restore it or clone it before posting it.")})
    if scheduled_at < now - PAST_TOLERANCE:
        raise ValidationError({"scheduled_at": _("The time is in the past; choose now or a later time.")})
    groups = _check_groups(workspace, groups)
    spans = body_urls(item.body)
    urls = list(dict.fromkeys(url for _start, _end, url in spans))
    if len(urls) > MAX_LINKS:
        raise ValidationError({"item": _("The body has more than %(max)d links.") % {"max": MAX_LINKS}})
    post = Post.objects.create(
        workspace=workspace,
        item=item,
        scheduled_at=scheduled_at,
        created_by=user_or_none(by),
    )
    deliveries, post_links = [], []
    for group in groups:
        short_urls = {}
        for position, url in enumerate(urls, start=1):
            try:
                link = link_create(
                    workspace=workspace,
                    url=url,
                    title=f"{item.title} · {group.name}"[:200],
                    source=f"post-{post.pk}",
                    group=group,
                    by=by,
                )
            except ValidationError as exc:
                messages = [m for ms in exc.message_dict.values() for m in ms]
                raise ValidationError(
                    {
                        "item": _("The link %(url)s cannot be tracked: %(reason)s")
                        % {"url": url, "reason": messages[0]}
                    }
                ) from None
            short_urls[url] = link.short_url
            post_links.append(
                PostLink(
                    workspace=workspace, post=post, community=group, link=link, url=url, position=position
                )
            )
        deliveries.append(
            PostDelivery(
                workspace=workspace, post=post, community=group, body=_rewrite(item.body, spans, short_urls)
            )
        )
    PostDelivery.objects.bulk_create(deliveries)
    PostLink.objects.bulk_create(post_links)
    audit_record(
        actor=by,
        verb="content.post_scheduled",
        target=post,
        after={"item": item.pk, "groups": [g.pk for g in groups], "scheduled_at": scheduled_at},
    )
    enqueue_on_commit("content.tasks.post_send_task", post.pk, eta=scheduled_at)
    return post


def _post_payload(post: Post, deliveries: list[PostDelivery]) -> dict:
    links: dict[int, list[str]] = {}
    for post_link in (
        PostLink.objects.filter(post=post).select_related("link").order_by("community", "position")
    ):
        links.setdefault(post_link.community_id, []).append(post_link.link.short_url)
    item = post.item
    return {
        "post": post.pk,
        "item": {"id": item.pk, "title": item.title, "category": item.category},
        "scheduled_at": post.scheduled_at,
        "sent_at": post.sent_at,
        "images": [
            {"id": image.pk, "url": settings.SHORT_BASE_URL + reverse("api:image-file", args=[image.pk])}
            for image in item.images.all().order_by("pk")
        ],
        "deliveries": [
            {
                "group": {
                    "id": d.community_id,
                    "name": d.community.name,
                    "platform": d.community.platform,
                    "external_id": d.community.external_id,
                },
                "body": d.body,
                "links": links.get(d.community_id, []),
                "reach": d.reach,
            }
            for d in deliveries
        ],
    }


@transaction.atomic
def post_send(*, post_id: int, now: datetime | None = None) -> Post | None:
    """Send a due post: claim it (due → sent, once), store each group's size as its reach, and emit
    `content.post_due` for the bot. None when it is not due yet, or was sent or cancelled already."""
    now = now or timezone.now()
    claimed = Post.objects.filter(
        pk=post_id, state=PostState.DUE, scheduled_at__lte=now + timedelta(seconds=1)
    ).update(state=PostState.SENT, sent_at=now)
    if not claimed:
        return None
    post = Post.objects.select_related("item", "workspace").get(pk=post_id)
    deliveries = list(PostDelivery.objects.filter(post=post).select_related("community").order_by("pk"))
    sizes = dict(
        Membership.objects.filter(community_id__in=[d.community_id for d in deliveries], is_active=True)
        .values("community")
        .annotate(n=Count("pk"))
        .values_list("community", "n")
    )
    for delivery in deliveries:
        delivery.reach = sizes.get(delivery.community_id, 0)
    PostDelivery.objects.bulk_update(deliveries, ["reach"])
    webhook_emit_many(
        workspace=post.workspace, events=[("content.post_due", _post_payload(post, deliveries))]
    )
    audit_record(actor=None, verb="content.post_sent", target=post, after={"sent_at": now})
    return post


def posts_reconcile(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send every post still due whose time has passed (its task was lost, or no worker ran)."""
    now = now or timezone.now()
    due = Post.objects.filter(state=PostState.DUE, scheduled_at__lte=now).order_by("scheduled_at", "pk")
    return sweep(due, lambda pk, at: post_send(post_id=pk, now=at), now=now, limit=limit)


@transaction.atomic
def post_cancel(*, post: Post, by=None) -> Post:
    """Cancel a post that was not sent yet; its tracked links are switched off."""
    if not Post.objects.filter(pk=post.pk, state=PostState.DUE).update(state=PostState.CANCELLED):
        raise ValidationError(
            {"state": _("Only a scheduled post can be cancelled; this one was sent or cancelled.")}
        )
    from links.services import link_update

    for post_link in PostLink.objects.filter(post=post).select_related("link"):
        link_update(link=post_link.link, is_active=False)
    post.refresh_from_db()
    audit_record(actor=by, verb="content.post_cancelled", target=post)
    return post


# --- engagement events (registered into POST /api/events/ by content's AppConfig.ready) ------------


def engagement_check(workspace: Workspace, items: list[KindEvent]) -> list[Rejection | None]:
    """Refuse replies, reactions and shares of a post that is unknown in this workspace, or that was
    not put into the event's group. One query for the batch."""
    post_ids = {item.event["post"] for item in items}
    delivered = set(
        PostDelivery.objects.filter(workspace=workspace, post_id__in=post_ids).values_list(
            "post_id", "community_id"
        )
    )
    known = {post_id for post_id, _group in delivered}
    answers: list[Rejection | None] = []
    for item in items:
        post_id = item.event["post"]
        if post_id not in known:
            answers.append(
                Rejection(
                    "unknown_post",
                    _("No post %(id)s in this workspace.") % {"id": post_id},
                    {"post": [_("Unknown post.")]},
                )
            )
        elif item.community is not None and (post_id, item.community.pk) not in delivered:
            answers.append(
                Rejection(
                    "post_not_in_group",
                    _("Post %(id)s was not put into this group.") % {"id": post_id},
                    {"post": [_("This post was not put into the event's group.")]},
                )
            )
        else:
            answers.append(None)
    return answers


def engagement_store(workspace: Workspace, items: list[KindEvent]) -> None:
    """Store applied reply / reaction / share events in one insert (inside the batch's transaction)."""
    PostEngagement.objects.bulk_create(
        [
            PostEngagement(
                workspace=workspace,
                post_id=item.event["post"],
                community=item.community,
                member=item.member,
                kind=item.event["type"],
                at=item.event["at"],
            )
            for item in items
        ],
        batch_size=500,
    )
