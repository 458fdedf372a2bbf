"""Query parameters and output of click and scan statistics (links and live codes)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

# Moments the statistics accept: any range inside stays clear of the calendar's ends (year 1 and
# 9999) through the date arithmetic and time-zone conversions that follow.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


class StatsInput(serializers.Serializer):
    MAX_DAYS = {"day": 366, "hour": 31}

    to = serializers.CharField(required=False, help_text="Date (inclusive) or date-time; default now.")
    interval = serializers.ChoiceField(choices=["day", "hour"], default="day")

    def __init__(self, *args, tz: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(tz)
        # "from" is a Python keyword, so it is declared here.
        self.fields["from"] = serializers.CharField(
            required=False, help_text="Date or date-time; default 30 days ago."
        )

    def _moment(self, raw: str, field: str, *, end: bool) -> dt.datetime:
        try:
            if len(raw) == 10:
                day = dt.date.fromisoformat(raw)
                moment = dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time(), self.zone)
                # A date is checked as the date the message names (1970-01-01 in UTC+8 starts before 1970).
                in_range = EARLIEST.date() <= day < LATEST.date()
            else:
                moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=self.zone)
                in_range = EARLIEST <= moment < LATEST
        except OverflowError:  # e.g. the day after 9999-12-31
            in_range = False
        except ValueError:
            raise serializers.ValidationError(
                {field: _("Use a date like 2026-11-01 or a date-time like 2026-11-01T08:00:00+08:00.")}
            ) from None
        if not in_range:
            raise serializers.ValidationError(
                {
                    field: _("Give a date from %(first)s up to %(last)s.")
                    % {"first": EARLIEST.date().isoformat(), "last": LATEST.date().isoformat()}
                }
            )
        return moment

    def validate(self, attrs):
        now = timezone.now()
        end = self._moment(attrs["to"], "to", end=True) if attrs.get("to") else now
        interval = attrs["interval"]
        default_span = dt.timedelta(days=30 if interval == "day" else 2)
        start = self._moment(attrs["from"], "from", end=False) if attrs.get("from") else end - default_span
        if start >= end:
            raise serializers.ValidationError({"from": _("“from” must be before “to”.")})
        if end - start > dt.timedelta(days=self.MAX_DAYS[interval]):
            raise serializers.ValidationError(
                {
                    "from": _("At most %(days)d days with interval=%(interval)s.")
                    % {"days": self.MAX_DAYS[interval], "interval": interval}
                }
            )
        return {"start": start, "end": end, "interval": interval}


WINDOW_PARAMETERS = [
    OpenApiParameter("from", str, description="Date (2026-11-01) or date-time; default 30 days before `to`."),
    OpenApiParameter("to", str, description="Date (inclusive) or date-time; default now."),
]


class WindowInZone:
    """Output of statistics: `from` and `to` of the window, in the workspace's time zone."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        zone = ZoneInfo(instance["timezone"])
        data["from"] = instance["from"].astimezone(zone).isoformat()
        data["to"] = instance["to"].astimezone(zone).isoformat()
        return data


class BreakdownRow(serializers.Serializer):
    key = serializers.CharField()
    clicks = serializers.IntegerField()
    unique = serializers.IntegerField()


class SeriesRow(serializers.Serializer):
    t = serializers.DateTimeField(help_text="Start of the bucket, in the workspace's time zone.")
    clicks = serializers.IntegerField()
    unique = serializers.IntegerField()


class StatsOutput(WindowInZone, serializers.Serializer):
    link = serializers.IntegerField()
    interval = serializers.CharField()
    timezone = serializers.CharField()
    total = serializers.IntegerField()
    unique = serializers.IntegerField()
    by_platform = BreakdownRow(many=True)
    by_os = BreakdownRow(many=True)
    by_device = BreakdownRow(many=True)
    by_referrer = BreakdownRow(many=True)
    by_country = BreakdownRow(many=True)
    series = SeriesRow(many=True)
