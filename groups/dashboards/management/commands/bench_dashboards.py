"""Benchmark of the dashboards' queries: 1,000,000 memberships over 52 weeks in PostgreSQL.

    DATABASE_URL=postgres://... python manage.py bench_dashboards [--memberships N] [--keep]

Builds a scratch workspace with SQL (generate_series, never the ORM row by row), times each
dashboard query (best and median of --runs), writes the EXPLAIN ANALYZE plans next to the table
(var/bench/dashboards-plans.txt) and removes the workspace afterwards unless --keep.
"""

import datetime as dt
import statistics
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from groups.dashboards import day_cells, health, retention, selectors, summary
from groups.dashboards.filters import local_midnight, monday
from groups.models import Community
from suo.models import Workspace
from suo.panels import PanelFilters

SLUG = "bench-dashboards"
DAY_TABLES = (day_cells.DAY_CELLS, day_cells.ACTIVE_DAYS, summary.ACTIVE_CELLS)
QUEUED = 500
SOURCES = "ARRAY['live_code','link','referral','invite_code','campaign']"
CHANNELS = "ARRAY['朋友圈海报','公众号推文','小红书笔记','门店海报','']"


class Command(BaseCommand):
    help = "Time the dashboards' queries on 1,000,000 memberships over 52 weeks (PostgreSQL only)."

    def add_arguments(self, parser):
        parser.add_argument("--memberships", type=int, default=1_000_000)
        parser.add_argument("--groups", type=int, default=200)
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--keep", action="store_true", help="Keep the bench workspace afterwards.")
        parser.add_argument("--reuse", action="store_true", help="Use a bench workspace kept by --keep.")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
        workspace = Workspace.objects.filter(slug=SLUG).first()
        if workspace is None or not options["reuse"]:
            if workspace is not None:
                self._drop(workspace)
            started = time.monotonic()
            workspace = self._build(options["memberships"], options["groups"])
            self.stdout.write(f"built in {time.monotonic() - started:.1f} s")
        if options["reuse"] is False or len(summary.queued(workspace)) > summary.MAX_QUEUED:
            started = time.monotonic()
            summary.rebuild(workspace)
            self.stdout.write(f"retention summary built from scratch in {time.monotonic() - started:.1f} s")
            # What autovacuum does in a running deployment: the emptied queue's dead rows would
            # otherwise cost every read that looks for queued members.
            for table in (summary.QUEUE, summary.STAYS, summary.CELLS, summary.OPEN_CELLS, *DAY_TABLES):
                self._exec(f"VACUUM ANALYZE {table}")
        try:
            self._measure(workspace, options["runs"])
        finally:
            if not options["keep"]:
                self._drop(workspace)

    # --- data ---------------------------------------------------------------------------------

    def _exec(self, sql: str, params=None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])

    def _build(self, total: int, groups: int) -> Workspace:
        now = timezone.now()
        start = now - dt.timedelta(weeks=52)
        members = int(total * 0.7)
        with transaction.atomic():
            workspace = Workspace.objects.create(slug=SLUG, name="基准测试", timezone="Asia/Shanghai")
            kinds = ["lead_gen", "benefit", "flash"]
            Community.objects.bulk_create(
                [
                    Community(workspace=workspace, name=f"群{n:03d}", kind=kinds[n % 3], external_id=f"b-{n}")
                    for n in range(groups)
                ]
            )
            ws, params = workspace.pk, {"start": start, "now": now}
            self._exec(
                "INSERT INTO groups_member (workspace_id, display_name, platform, external_id, "
                "first_seen_at, created_at, phone, wechat_id) "
                "SELECT %(ws)s, '成员' || i, 'wechat', 'b' || i, %(start)s, %(now)s, '', '' "
                "FROM generate_series(1, %(n)s) AS i",
                {"ws": ws, "n": members, **params},
            )
            # Memberships: every member once, 30 % twice (another group); joins spread over 52 weeks,
            # 45 % ended within 60 days (10 % of those kicked).
            self._exec(
                f"""
                WITH m AS (
                    SELECT id, row_number() OVER (ORDER BY id) AS r
                    FROM groups_member WHERE workspace_id = %(ws)s
                ),
                c AS (
                    SELECT id, row_number() OVER (ORDER BY id) - 1 AS r
                    FROM groups_community WHERE workspace_id = %(ws)s
                ),
                s AS (
                    SELECT i, 1 + (i - 1) %% %(members)s AS r, (i::bigint * 7919) %% %(groups)s AS c,
                        %(start)s + ((hashtext(i::text)::bigint %% 31449600 + 31449600) %% 31449600)
                            * interval '1 second' AS joined,
                        abs(hashtext('l' || i)) %% 100 AS leave_roll
                    FROM generate_series(1, %(total)s) AS i
                )
                INSERT INTO groups_membership (workspace_id, community_id, member_id, joined_at, source,
                    channel, campaign, is_active, left_at, leave_reason)
                SELECT %(ws)s, c.id, m.id, s.joined, ({SOURCES})[1 + s.i %% 5], ({CHANNELS})[1 + s.i %% 5],
                    CASE WHEN s.i %% 7 = 0 THEN 'double11' ELSE '' END,
                    NOT ended, CASE WHEN ended THEN left_at END,
                    CASE WHEN NOT ended THEN '' WHEN s.leave_roll < 4 THEN 'kicked' ELSE 'left' END
                FROM s JOIN m ON m.r = s.r
                JOIN c ON c.r = (s.c + CASE WHEN s.i > %(members)s THEN 1 ELSE 0 END) %% %(groups)s
                CROSS JOIN LATERAL (
                    SELECT s.joined + (s.leave_roll * 14 + 1) * interval '1 hour' * 14 AS left_at
                ) l
                CROSS JOIN LATERAL (SELECT s.leave_roll < 45 AND l.left_at < %(now)s AS ended) e
                """,
                {"ws": ws, "members": members, "groups": groups, "total": total, **params},
            )
            # Messages: 40 % of the memberships post on 5 days a week apart (~2,000,000 daily counts).
            self._exec(
                """
                INSERT INTO groups_messagedailycount (workspace_id, community_id, member_id, day, count)
                SELECT m.workspace_id, m.community_id, m.member_id,
                    ((m.joined_at AT TIME ZONE 'Asia/Shanghai')::date + k * 7), 1 + m.id %% 9
                FROM groups_membership m CROSS JOIN generate_series(0, 4) AS k
                WHERE m.workspace_id = %(ws)s AND m.id %% 5 < 2
                    AND (m.joined_at AT TIME ZONE 'Asia/Shanghai')::date + k * 7
                        <= (%(now)s AT TIME ZONE 'Asia/Shanghai')::date
                    AND (m.left_at IS NULL OR m.joined_at + k * interval '7 days' <= m.left_at)
                ON CONFLICT DO NOTHING
                """,
                {"ws": ws, **params},
            )
            self._exec(
                """
                INSERT INTO groups_activityevent (workspace_id, member_id, community_id, campaign, name, at)
                SELECT m.workspace_id, m.member_id, m.community_id, m.campaign, '签到',
                    m.joined_at + interval '2 days'
                FROM groups_membership m
                WHERE m.workspace_id = %(ws)s AND m.id %% 10 = 3 AND m.joined_at + interval '2 days' < %(now)s
                """,
                {"ws": ws, **params},
            )
            self._exec(
                """
                INSERT INTO groups_entitlement (workspace_id, member_id, product, order_id, granted_at,
                    created_at)
                SELECT m.workspace_id, m.member_id, 'vip', 'bench-' || m.id, m.joined_at + interval '3 days',
                    %(now)s
                FROM groups_membership m
                WHERE m.workspace_id = %(ws)s AND m.id %% 20 = 7 AND m.joined_at + interval '3 days' < %(now)s
                """,
                {"ws": ws, **params},
            )
        for table in (
            "groups_community",  # unanalysed, a kind filter is guessed at 1 group: nested loops
            "groups_member",
            "groups_membership",
            "groups_messagedailycount",
            "groups_activityevent",
            "groups_entitlement",
        ):
            self._exec(f"VACUUM ANALYZE {table}")
        counts = {}
        with connection.cursor() as cursor:
            for table in ("groups_membership", "groups_messagedailycount", "groups_activityevent"):
                cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE workspace_id = %s", [workspace.pk])
                counts[table] = cursor.fetchone()[0]
        self.stdout.write(", ".join(f"{table}: {n:,}" for table, n in counts.items()))
        return workspace

    def _drop(self, workspace: Workspace) -> None:
        ws = workspace.pk
        with transaction.atomic():
            for table in (
                "dashboards_retentioncell",
                "dashboards_opencell",
                "dashboards_daycell",
                "dashboards_activeretentioncell",
                "dashboards_summaryactiveday",
                "dashboards_summarystay",
                "dashboards_summaryqueue",
                "groups_messagedailycount",
                "groups_activityevent",
                "groups_entitlement",
                "groups_membership",
                "groups_member",
            ):
                self._exec(f"DELETE FROM {table} WHERE workspace_id = %s", [ws])
            Workspace.objects.filter(pk=ws).delete()
        self.stdout.write("bench workspace removed")

    # --- timing -------------------------------------------------------------------------------

    def _filters(self, workspace: Workspace, *, days: int, **extra) -> PanelFilters:
        zone = ZoneInfo(workspace.timezone)
        today = timezone.localtime(timezone.now(), zone).date()
        if days % 7 == 0:
            first = monday(today) - dt.timedelta(weeks=days // 7 - 1)
        else:
            first = today - dt.timedelta(days)
        return PanelFilters(
            workspace=workspace,
            start=local_midnight(first, zone),
            end=local_midnight(today + dt.timedelta(days=1), zone),
            **extra,
        )

    def _queue(self, workspace: Workspace, n: int) -> None:
        """Queue n members as if their memberships had just changed (the triggers' work)."""
        self._exec(
            "INSERT INTO dashboards_summaryqueue (workspace_id, member_id) "
            "SELECT %s, id FROM groups_member WHERE workspace_id = %s ORDER BY random() LIMIT %s",
            [workspace.pk, workspace.pk, n],
        )

    def _measure(self, workspace: Workspace, runs: int) -> None:
        group = Community.objects.filter(workspace=workspace).order_by("pk").first()
        assert group is not None

        def period(days, **extra):
            return self._filters(workspace, days=days, **extra)

        def overview(days, *, channels=False, **extra):
            """Totals and series (and channels: the API's answer) on one filters object, as a page
            or the API reads them."""
            filters = period(days, **extra)
            selectors.overview_totals(filters=filters)
            selectors.overview_series(filters=filters)
            if channels:
                selectors.new_members_by_channel(filters=filters)

        cases = [
            ("retention, 12 weeks (default)", lambda: retention.retention_cohorts(filters=period(84))),
            ("retention, 52 weeks", lambda: retention.retention_cohorts(filters=period(364))),
            (
                "retention, 12 weeks, one kind",
                lambda: retention.retention_cohorts(filters=period(84, kind="benefit")),
            ),
            (
                "retention, 12 weeks, one group",
                lambda: retention.retention_cohorts(filters=period(84, group_ids=[group.pk])),
            ),
            (
                "retention, 12 weeks, live query (no summary)",
                lambda: retention.retention_cohorts(filters=period(84), live=True),
            ),
            (
                f"retention, 12 weeks, {QUEUED} members queued (corrected in the read)",
                lambda: retention.retention_cohorts(filters=period(84)),
                lambda: self._queue(workspace, QUEUED),
            ),
            (
                f"summary refresh: recount {QUEUED} queued members",
                lambda: summary.refresh(batch=QUEUED, max_batches=1),
                lambda: self._queue(workspace, QUEUED),
            ),
            (
                "retention, 12 weeks, kind + source",
                lambda: retention.retention_cohorts(filters=period(84, kind="benefit", source="referral")),
            ),
            (
                "retention, 12 weeks, mode active",
                lambda: retention.retention_cohorts(filters=period(84, mode="active")),
            ),
            (
                "retention, 52 weeks, mode active",
                lambda: retention.retention_cohorts(filters=period(364, mode="active")),
            ),
            (
                "overview API (totals + series + channels), 28 days",
                lambda: overview(27, channels=True),
                lambda: summary.refresh(seconds=None),  # what the cases above queued: counted
            ),
            (
                "overview totals + series, 28 days",
                lambda: overview(27),
            ),
            ("overview totals, 28 days", lambda: selectors.overview_totals(filters=period(27))),
            (
                "overview totals + series, 28 days, one kind",
                lambda: overview(27, kind="benefit"),
            ),
            (
                "overview totals + series, 28 days, one source",
                lambda: overview(27, source="referral"),
            ),
            ("overview series, 28 days", lambda: selectors.overview_series(filters=period(27))),
            (
                "overview totals + series, 52 weeks by week",
                lambda: overview(364, interval="week"),
            ),
            (
                "overview API (totals + series + channels), 52 weeks by week",
                lambda: overview(364, channels=True, interval="week"),
            ),
            (
                "overview series, 52 weeks by week",
                lambda: selectors.overview_series(filters=period(364, interval="week")),
            ),
            ("overview totals, 52 weeks", lambda: selectors.overview_totals(filters=period(364))),
            (
                "overview totals + series, 52 weeks by day",
                lambda: overview(364),
            ),
            (
                "overview totals, 28 days, one group",
                lambda: selectors.overview_totals(filters=period(27, group_ids=[group.pk])),
            ),
            (
                f"overview totals, 28 days, {QUEUED} members queued (corrected in the read)",
                lambda: selectors.overview_totals(filters=period(27)),
                lambda: self._queue(workspace, QUEUED),
            ),
            ("group health, 28 days", lambda: health.group_health(filters=period(27))),
            (
                "cold-group detection (3 weeks)",
                lambda: health.cold_groups(workspace=workspace, threshold=0.2, weeks=3),
            ),
        ]
        rows = []
        for name, run, *prepare in cases:
            timings = []
            for _ in range(runs):
                for step in prepare:
                    step()  # type: ignore[operator]
                started = time.perf_counter()
                run()  # type: ignore[operator]
                timings.append((time.perf_counter() - started) * 1000)
            rows.append((name, min(timings), statistics.median(timings)))
        self.stdout.write("\n| query | best ms | median ms |\n|---|---:|---:|")
        for name, best, median in rows:
            self.stdout.write(f"| {name} | {best:.0f} | {median:.0f} |")
        summary.refresh()
        plans = [
            "== retention, 12 weeks, from the summary ==",
            summary.explain(period(84)),
            "== retention, 12 weeks, live query ==",
            retention.retention_explain(filters=period(84)),
        ]
        for name, plan in selectors.overview_explain(filters=period(27)).items():
            plans += [f"== overview {name}, 28 days ==", plan]
        for name, plan in selectors.overview_explain(filters=period(364, interval="week")).items():
            plans += [f"== overview {name}, 52 weeks by week ==", plan]
        out = Path(settings.VAR_DIR) / "bench" / "dashboards-plans.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("\n\n".join(plans) + "\n")
        self.stdout.write("\n" + "\n\n".join(plans))
        self.stdout.write(f"\nquery plans (EXPLAIN ANALYZE) also in {out}")
