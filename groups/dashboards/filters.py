"""The filters of every dashboard and metrics endpoint, parsed and checked in one place.

`from` and `to` are dates in the workspace's time zone (`to` included); `group` must be a group
of the workspace; `kind` and `source` must be known values. The API answers a bad value with a 400
naming the field, the pages show the same message next to the filter.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from groups.models import Community, CommunityKind, JoinSource
from suo.models import Workspace
from suo.panels import PanelFilters

EARLIEST = dt.date(2000, 1, 3)  # a Monday: week numbers in SQL count from it
LATEST = dt.date(2100, 12, 31)
MAX_DAYS = 731
MODES = ("membership", "active")
INTERVALS = ("day", "week")


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone)


class MetricsQuery(serializers.Serializer):
    """Query parameters shared by /api/metrics/* and the /dash/ pages."""

    to = serializers.DateField(
        required=False,
        help_text=gettext_lazy(
            "Last day (included), YYYY-MM-DD in the workspace's time zone; default today."
        ),
    )
    group = serializers.IntegerField(
        required=False, min_value=1, help_text=gettext_lazy("Only this group (id) of the workspace.")
    )
    kind = serializers.ChoiceField(
        choices=CommunityKind.choices, required=False, allow_blank=True, help_text=gettext_lazy("Group kind.")
    )
    source = serializers.ChoiceField(
        choices=JoinSource.choices,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Join source of the memberships counted."),
    )
    campaign = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=gettext_lazy("Campaign slug recorded on the memberships."),
    )
    interval = serializers.ChoiceField(
        choices=INTERVALS, default="day", help_text=gettext_lazy("Buckets of the series: day or week.")
    )
    mode = serializers.ChoiceField(
        choices=MODES,
        default="membership",
        help_text=gettext_lazy(
            "Retention: membership (still in a group of the filter) or active (a message or activity)."
        ),
    )

    default_days = 28

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so it is declared here.
        self.fields["from"] = serializers.DateField(
            required=False,
            help_text=gettext_lazy(
                "First day, YYYY-MM-DD in the workspace's time zone; default 4 weeks ago."
            ),
        )

    def _in_range(self, field: str, day: dt.date | None) -> None:
        if day is not None and not EARLIEST <= day <= LATEST:
            raise serializers.ValidationError(
                {
                    field: _("Choose a date between %(first)s and %(last)s.")
                    % {"first": EARLIEST, "last": LATEST}
                }
            )

    def validate_group(self, value: int) -> int:
        workspace: Workspace = self.context["workspace"]
        if not Community.objects.filter(workspace=workspace, pk=value).exists():
            raise serializers.ValidationError(_("No group with this id in your workspace."))
        return value

    def validate(self, attrs):
        workspace: Workspace = self.context["workspace"]
        zone = ZoneInfo(workspace.timezone)
        first, last = attrs.get("from"), attrs.get("to")
        self._in_range("from", first)
        self._in_range("to", last)
        last = last or timezone.localtime(timezone.now(), zone).date()
        first = first or self.default_from(last)
        if first > last:
            raise serializers.ValidationError({"from": _("“from” must not be after “to”.")})
        if (last - first).days >= MAX_DAYS:
            raise serializers.ValidationError(
                {"from": _("At most %(days)d days at a time.") % {"days": MAX_DAYS}}
            )
        attrs["from"], attrs["to"] = first, last
        return attrs

    def default_from(self, last: dt.date) -> dt.date:
        return last - dt.timedelta(days=self.default_days - 1)

    def panel_filters(self) -> PanelFilters:
        data, workspace = self.validated_data, self.context["workspace"]
        zone = ZoneInfo(workspace.timezone)
        return PanelFilters(
            workspace=workspace,
            start=local_midnight(data["from"], zone),
            end=local_midnight(data["to"] + dt.timedelta(days=1), zone),
            group_ids=[data["group"]] if data.get("group") else None,
            kind=data.get("kind") or "",
            source=data.get("source") or "",
            campaign=(data.get("campaign") or "").strip(),
            interval=data["interval"],
            mode=data["mode"],
        )


class RetentionQuery(MetricsQuery):
    """Retention looks back 12 weeks by default: from the Monday 11 weeks before this week's."""

    def default_from(self, last: dt.date) -> dt.date:
        return monday(last) - dt.timedelta(weeks=11)


def parse_filters(
    params, *, workspace: Workspace, query_class=MetricsQuery
) -> tuple[PanelFilters | None, dict]:
    """(filters, {}) or (None, {field: message}) for query parameters of a page or a CSV export."""
    query = query_class(data={k: v for k, v in params.items() if v != ""}, context={"workspace": workspace})
    if not query.is_valid():
        return None, {
            name: " ".join(str(m) for m in messages) for name, messages in _flat(query.errors).items()
        }
    return query.panel_filters(), {}


def _flat(errors) -> dict:
    return {name: messages if isinstance(messages, list) else [messages] for name, messages in errors.items()}


# What each metrics endpoint documents: only the parameters it reads (the pages share one filter set).
class OverviewParameters(MetricsQuery):
    mode = None  # type: ignore[assignment]  # DRF: None removes the inherited field


class RetentionParameters(RetentionQuery):
    interval = None  # type: ignore[assignment]  # DRF: None removes the inherited field


class HealthParameters(MetricsQuery):
    interval = None  # type: ignore[assignment]  # DRF: None removes the inherited field
    mode = None  # type: ignore[assignment]  # DRF: None removes the inherited field
