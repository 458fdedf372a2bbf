"""The overview's SQL statements (selectors.py fills them in and runs them)."""

MEMBERS_IN_PERIOD = """
SELECT m.member_id, MIN(m.joined_at) AS first_at
FROM {membership} m
WHERE m.workspace_id = %(ws)s AND m.joined_at >= %(start)s AND m.joined_at < %(end)s{groups}{joins}
GROUP BY m.member_id
"""

NEW_AND_CONVERTED = """
WITH joined AS ({members_in_period}),
paid AS (
    -- A member converted when a paid entitlement (not revoked) was granted at or after their first
    -- join: their latest such grant is then at or after it. A first join is in the period, so only
    -- grants from its start on can decide it: the rest of the history is not read. Joined by hash;
    -- for one group (few new members) a look-up per member.
    SELECT e.member_id, MAX(e.granted_at) AS last_at FROM {entitlement} e
    WHERE e.workspace_id = %(ws)s AND e.revoked_at IS NULL AND e.granted_at >= %(start)s{paid_members}
    GROUP BY e.member_id
)
SELECT COUNT(*), COALESCE(SUM(CASE WHEN p.last_at >= j.first_at THEN 1 ELSE 0 END), 0)
FROM joined j LEFT JOIN paid p ON p.member_id = j.member_id
"""

# Conversion when the new members come from the day cells: a member converted when a paid grant
# (not revoked) came at or after their first join in the period, i.e. when one of their joins in
# the period came at or before their latest such grant. One look-up per paid member through the
# member index: a scalar subquery with LIMIT, which PostgreSQL runs per row (as EXISTS, it hashes
# a year of memberships instead).
CONVERTED = """
SELECT COUNT(*) FROM (
    SELECT e.member_id, MAX(e.granted_at) AS last_at FROM {entitlement} e
    WHERE e.workspace_id = %(ws)s AND e.revoked_at IS NULL AND e.granted_at >= %(start)s
    GROUP BY e.member_id
) p
WHERE (
    SELECT 1 FROM {membership} m
    WHERE m.member_id = p.member_id AND m.workspace_id = %(ws)s AND m.joined_at >= %(start)s
        AND m.joined_at < %(end)s AND m.joined_at <= p.last_at{groups}{joins}
    LIMIT 1
) IS NOT NULL
"""

ACTIVE_MEMBERS = """
SELECT member_id, {message_bucket} AS b FROM {messages}
WHERE workspace_id = %(ws)s AND day >= %(first_day)s AND day < %(end_day)s{message_groups}
UNION
SELECT member_id, {activity_bucket} AS b FROM {activity}
WHERE workspace_id = %(ws)s AND at >= %(start)s AND at < %(end)s{activity_groups}
"""

# Totals: distinct members only (no day per row), so the union's hash holds one entry per member.
ACTIVE_MEMBERS_ONLY = """
SELECT member_id FROM {messages}
WHERE workspace_id = %(ws)s AND day >= %(first_day)s AND day < %(end_day)s{message_groups}
UNION
SELECT member_id FROM {activity}
WHERE workspace_id = %(ws)s AND at >= %(start)s AND at < %(end)s{activity_groups}
"""

ACTIVE_COUNT = """
SELECT COUNT(*) FROM ({active_members}) a{joined_that_way}
"""

# Exits: "memberships active at the start" comes from the open cells (overview_summary.py); when
# they do not answer, it is counted as (joined before the start) − (joined and ended before it), two
# range counts. Same numbers as `joined < start AND (left IS NULL OR left >= start)`. The ended ones
# are a range of the left_at index.
AT_START = """
SELECT
    (SELECT COUNT(*) FROM {membership} m
        WHERE m.workspace_id = %(ws)s AND m.joined_at < %(start)s{groups}{joins})
    - (SELECT COUNT(*) FROM {membership} m
        WHERE m.workspace_id = %(ws)s AND m.left_at < %(start)s AND m.joined_at < %(start)s{groups}{joins})
"""

ENDED = """
SELECT COUNT(*),
    COALESCE(SUM(CASE WHEN m.leave_reason IN (%(kicked)s, %(banned)s) THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN m.leave_reason = %(left)s THEN 1 ELSE 0 END), 0)
FROM {membership} m
WHERE m.workspace_id = %(ws)s AND m.left_at >= %(start)s AND m.left_at < %(end)s
    AND m.joined_at < %(end)s{groups}{joins}
"""

# The series' leaves alone, when its members come from the day cells.
LEAVES_ONLY = "WITH {leaves} SELECT b, n, kicked, voluntary FROM leaves"

# Memberships that ended per bucket, kicked (and banned) apart from voluntary: in both series.
LEAVES = """leaves AS (
    SELECT {leave_bucket} AS b, COUNT(*) AS n,
        SUM(CASE WHEN m.leave_reason IN (%(kicked)s, %(banned)s) THEN 1 ELSE 0 END) AS kicked,
        SUM(CASE WHEN m.leave_reason = %(left)s THEN 1 ELSE 0 END) AS voluntary
    FROM {membership} m
    WHERE m.workspace_id = %(ws)s AND m.left_at >= %(start)s AND m.left_at < %(end)s{groups}{joins}
    GROUP BY {leave_bucket}
)"""

SERIES = (
    """
WITH RECURSIVE buckets (b) AS (
    SELECT CAST(%(first_bucket)s AS INTEGER) UNION ALL SELECT b + 1 FROM buckets WHERE b < %(last_bucket)s
),
joins AS (
    -- One row per member and bucket first (hashed), then counted: no COUNT(DISTINCT) sorts.
    SELECT b, COUNT(*) AS n{source_sums} FROM (
        SELECT {join_bucket} AS b, m.member_id{source_flags}
        FROM {membership} m
        WHERE m.workspace_id = %(ws)s AND m.joined_at >= %(start)s AND m.joined_at < %(end)s{groups}{joins}
        GROUP BY {join_bucket}, m.member_id
    ) j
    GROUP BY b
),
"""
    + LEAVES
    + """,
active AS (
    -- The union already holds each (member, bucket) once.
    SELECT a.b, COUNT(*) AS n FROM ({active}) a{joined_that_way} GROUP BY a.b
)
SELECT buckets.b, COALESCE(joins.n, 0), COALESCE(active.n, 0), COALESCE(leaves.n, 0),
    COALESCE(leaves.kicked, 0), COALESCE(leaves.voluntary, 0){source_values}
FROM buckets
LEFT JOIN joins ON joins.b = buckets.b
LEFT JOIN leaves ON leaves.b = buckets.b
LEFT JOIN active ON active.b = buckets.b
ORDER BY buckets.b
"""
)

# PostgreSQL with a fixed-offset time zone: the same series, one bucket at a time (issue 15,
# performance). Each bucket's members are hashed on their own (~20,000 a week at 1M memberships), by
# index range scans of the bucket's instants and days, instead of one hash of every (bucket, member)
# of the period that spills to disk over 52 weeks. Same rows: a bucket's bounds are the local
# midnights of its days, clipped to the period, and the day bounds of the messages are those of the
# period too. Both series statements open with `WITH RECURSIVE buckets` (allowed for a plain CTE):
# the page's test counts the series statements by it.
SERIES_PER_BUCKET = (
    """
WITH RECURSIVE buckets (b, d1, d2, s, e) AS (
    SELECT * FROM unnest(CAST(%(bucket_numbers)s AS integer[]), CAST(%(bucket_first_days)s AS date[]),
        CAST(%(bucket_end_days)s AS date[]), CAST(%(bucket_starts)s AS timestamptz[]),
        CAST(%(bucket_ends)s AS timestamptz[]))
),
"""
    + LEAVES
    + """
SELECT buckets.b, joins.n, active.n, COALESCE(leaves.n, 0),
    COALESCE(leaves.kicked, 0), COALESCE(leaves.voluntary, 0){source_values}
FROM buckets
CROSS JOIN LATERAL (
    SELECT COUNT(*) AS n{source_sums} FROM (
        SELECT m.member_id{source_flags}
        FROM {membership} m
        WHERE m.workspace_id = %(ws)s AND m.joined_at >= buckets.s AND m.joined_at < buckets.e{groups}{joins}
        GROUP BY m.member_id
    ) j
) joins
CROSS JOIN LATERAL (
    SELECT COUNT(*) AS n FROM (
        SELECT member_id FROM {messages}
        WHERE workspace_id = %(ws)s AND day >= buckets.d1 AND day < buckets.d2{message_groups}
        UNION
        SELECT member_id FROM {activity}
        WHERE workspace_id = %(ws)s AND at >= buckets.s AND at < buckets.e{activity_groups}
    ) a{joined_that_way}
) active
LEFT JOIN leaves ON leaves.b = buckets.b
ORDER BY buckets.b
"""
)

BY_CHANNEL = """
SELECT m.channel, COUNT(DISTINCT m.member_id) AS n
FROM {membership} m
WHERE m.workspace_id = %(ws)s AND m.joined_at >= %(start)s AND m.joined_at < %(end)s{groups}{joins}
GROUP BY m.channel
"""

JOINED_THAT_WAY = """
WHERE EXISTS (
    SELECT 1 FROM {membership} jm
    WHERE jm.member_id = a.member_id AND jm.workspace_id = %(ws)s AND jm.joined_at < %(end)s{groups}{joins}
)"""
