"""Post and item performance, computed in the database (one SQL statement each).

- reach: members of the group when the post was sent (stored per delivery at send time), summed
  over the post's groups;
- opens: unique visitors of the post's tracked links (distinct visitor hashes of their clicks;
  the hash is salted per day, so one person opening on two days counts twice);
- interactions: reply and reaction events of the post; shares: its share events;
- rates: metric ÷ reach as a fraction, 0 when the reach is 0, at most 1.

Hit and low-performer flags (爆款 / 待淘汰), per workspace and purpose category:

1. take the category's last N sent posts (N = CONTENT_RANKING_POSTS, default 20; ROW_NUMBER over
   the category by sent time);
2. an item's rate over its posts among those = (interactions + shares) ÷ reach: the engagement
   every post can get (opens need a link in the body, so ranking on them would punish items
   without one);
3. PERCENT_RANK of the items' rates within the category: an item is a **hit** when its rank is
   ≥ 0.9 (top decile) and it beats the category's lowest rate; a **low** performer when its rank
   is ≤ 0.1 (bottom decile), it has ≥ 3 posts in the window and it is below the category's best.
   A category with a single ranked item flags nothing: there is nothing to compare with.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from content.models import (
    INTERACTION_KINDS,
    ContentItem,
    EngagementKind,
    Post,
    PostDelivery,
    PostEngagement,
    PostLink,
    PostState,
)
from links.models import Click
from suo.models import Workspace

HIT_RANK = 0.9
LOW_RANK = 0.1
LOW_MIN_POSTS = 3


def ranking_window() -> int:
    return getattr(settings, "CONTENT_RANKING_POSTS", 20)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _post_stats_sql(where: str) -> str:
    """Per sent post: item, category, sent time, reach, opens, interactions, shares, and its recency
    rank within its category (1 = newest)."""
    kinds = ", ".join(f"'{kind}'" for kind in INTERACTION_KINDS)
    return f"""
        SELECT p.id AS post_id, p.item_id AS item_id, i.category AS category, p.sent_at AS sent_at,
          COALESCE((SELECT SUM(d.reach) FROM {_table(PostDelivery)} d WHERE d.post_id = p.id), 0) AS reach,
          (SELECT COUNT(DISTINCT c.visitor_hash) FROM {_table(PostLink)} pl
             JOIN {_table(Click)} c ON c.link_id = pl.link_id WHERE pl.post_id = p.id) AS opens,
          (SELECT COUNT(*) FROM {_table(PostEngagement)} e
             WHERE e.post_id = p.id AND e.kind IN ({kinds})) AS interactions,
          (SELECT COUNT(*) FROM {_table(PostEngagement)} e
             WHERE e.post_id = p.id AND e.kind = '{EngagementKind.SHARE}') AS shares,
          ROW_NUMBER() OVER (PARTITION BY i.category ORDER BY p.sent_at DESC, p.id DESC) AS recent
        FROM {_table(Post)} p JOIN {_table(ContentItem)} i ON i.id = p.item_id
        WHERE p.state = '{PostState.SENT}' AND {where}
    """


def _rate(metric: str, reach: str) -> str:
    """metric ÷ reach as a fraction: 0 when the reach is 0, at most 1."""
    metric, reach = f"COALESCE({metric}, 0)", f"COALESCE({reach}, 0)"
    return (
        f"CASE WHEN {reach} <= 0 THEN 0.0 WHEN {metric} >= {reach} THEN 1.0 ELSE 1.0 * {metric} / {reach} END"
    )


_TOTALS = f"""
    SELECT COUNT(*) AS posts, COALESCE(SUM(reach), 0) AS reach, COALESCE(SUM(opens), 0) AS opens,
      COALESCE(SUM(interactions), 0) AS interactions, COALESCE(SUM(shares), 0) AS shares,
      {_rate("SUM(opens)", "SUM(reach)")} AS open_rate,
      {_rate("SUM(interactions)", "SUM(reach)")} AS interaction_rate,
      {_rate("SUM(shares)", "SUM(reach)")} AS share_rate
    FROM stats
"""
METRIC_KEYS = (
    "posts",
    "reach",
    "opens",
    "interactions",
    "shares",
    "open_rate",
    "interaction_rate",
    "share_rate",
)


def _totals(where: str, params: list) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"WITH stats AS ({_post_stats_sql(where)}) {_TOTALS}", params)
        row = cursor.fetchone()
    metrics = dict(zip(METRIC_KEYS, row, strict=True))
    for key in ("open_rate", "interaction_rate", "share_rate"):
        metrics[key] = float(metrics[key])
    return metrics


def post_metrics(*, post: Post) -> dict:
    """reach, opens, interactions, shares and their rates of one post (zeros until it is sent)."""
    metrics = _totals("p.id = %s", [post.pk])
    metrics.pop("posts")
    return metrics


def item_metrics(*, item: ContentItem) -> dict:
    """The same figures summed over every sent post of the item, plus how many posts."""
    return _totals("p.item_id = %s", [item.pk])


@dataclass(frozen=True)
class ItemRank:
    item_id: int
    category: str
    posts: int
    rate: float
    rank: float  # PERCENT_RANK within the category, 0 (lowest) … 1 (highest)
    hit: bool
    low: bool

    @property
    def flags(self) -> list[str]:
        return [flag for flag, on in (("hit", self.hit), ("low", self.low)) if on]


def item_ranks(*, workspace: Workspace | int, window: int | None = None) -> dict[int, ItemRank]:
    """{item id: ItemRank} of every item with a post among its category's last `window` posts."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    sql = f"""
        WITH stats AS ({_post_stats_sql("p.workspace_id = %s")}),
        rates AS (
          SELECT item_id, category, COUNT(*) AS posts,
            {_rate("SUM(interactions) + SUM(shares)", "SUM(reach)")} AS rate
          FROM stats WHERE recent <= %s GROUP BY item_id, category
        ),
        ranked AS (
          SELECT item_id, category, posts, rate,
            PERCENT_RANK() OVER (PARTITION BY category ORDER BY rate) AS pr,
            COUNT(*) OVER (PARTITION BY category) AS peers,
            MIN(rate) OVER (PARTITION BY category) AS lowest,
            MAX(rate) OVER (PARTITION BY category) AS highest
          FROM rates
        )
        SELECT item_id, category, posts, rate, pr,
          CASE WHEN peers >= 2 AND pr >= %s AND rate > lowest THEN 1 ELSE 0 END AS hit,
          CASE WHEN peers >= 2 AND pr <= %s AND posts >= %s AND rate < highest THEN 1 ELSE 0 END AS low
        FROM ranked ORDER BY category, pr DESC, item_id
    """
    params = [workspace_id, window or ranking_window(), HIT_RANK, LOW_RANK, LOW_MIN_POSTS]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        row[0]: ItemRank(row[0], row[1], row[2], float(row[3]), float(row[4]), bool(row[5]), bool(row[6]))
        for row in rows
    }


def item_flags(*, workspace: Workspace | int) -> dict[int, list[str]]:
    """{item id: ["hit"] | ["low"] | []} for the workspace's ranked items."""
    return {item_id: rank.flags for item_id, rank in item_ranks(workspace=workspace).items()}


def top_items(*, workspace: Workspace, start, end, limit: int = 10) -> list[dict]:
    """Items by engagement rate over their posts sent in [start, end), best first (dashboards)."""
    sql = f"""
        WITH stats AS ({_post_stats_sql("p.workspace_id = %s AND p.sent_at >= %s AND p.sent_at < %s")})
        SELECT s.item_id, i.title, i.category, COUNT(*) AS posts, SUM(s.reach) AS reach,
          {_rate("SUM(s.opens)", "SUM(s.reach)")} AS open_rate,
          {_rate("SUM(s.interactions)", "SUM(s.reach)")} AS interaction_rate,
          {_rate("SUM(s.shares)", "SUM(s.reach)")} AS share_rate,
          {_rate("SUM(s.interactions) + SUM(s.shares)", "SUM(s.reach)")} AS engagement_rate
        FROM stats s JOIN {_table(ContentItem)} i ON i.id = s.item_id
        GROUP BY s.item_id, i.title, i.category
        ORDER BY engagement_rate DESC, reach DESC, s.item_id
        LIMIT %s
    """
    with connection.cursor() as cursor:
        adapt = connection.ops.adapt_datetimefield_value
        cursor.execute(sql, [workspace.pk, adapt(start), adapt(end), limit])
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        for key in ("open_rate", "interaction_rate", "share_rate", "engagement_rate"):
            row[key] = float(row[key])
    return rows


def post_list(*, queryset: QuerySet | None = None) -> QuerySet[Post]:
    queryset = queryset if queryset is not None else Post.objects.all()
    return (
        queryset.select_related("item")
        .prefetch_related("deliveries", "links__link")
        .order_by("-scheduled_at", "-pk")
    )
