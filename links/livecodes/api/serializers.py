"""Input and output of the live codes API: live codes, their group QR codes (entries), scan stats."""

from django.conf import settings
from rest_framework import serializers

from groups.models import Community
from links.api.links import PublicAddressInput
from links.api.qr_upload import CANDIDATE_HELP, IMAGE_HELP, TrueByDefault
from links.api.stats import WindowInZone
from links.livecodes.images import entry_image_url
from links.livecodes.models import DEFAULT_SCAN_LIMIT, LiveCode, LiveCodeEntry, RotationStrategy
from suo.api.fields import DB_INT_MAX
from suo.api.scoping import ScopedPrimaryKeyRelatedField
from suo.api.serializers import OutputSerializer


class LiveCodeInput(PublicAddressInput):
    name = serializers.CharField(max_length=100)
    strategy = serializers.ChoiceField(choices=RotationStrategy.choices, default=RotationStrategy.FILL_FIRST)
    fallback_message = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    fallback_image = serializers.FileField(
        required=False, help_text="Customer-service QR picture shown when every group is full (multipart)."
    )
    is_active = TrueByDefault(default=True)


class LiveCodeUpdateInput(LiveCodeInput):
    name = serializers.CharField(max_length=100, required=False)
    strategy = serializers.ChoiceField(choices=RotationStrategy.choices, required=False)
    is_active = serializers.BooleanField(required=False)
    clear_fallback_image = serializers.BooleanField(required=False, help_text="true removes the picture.")


class LiveCodeOutput(OutputSerializer):
    url = serializers.CharField(source="short_url", read_only=True, help_text="The stable public address.")
    qr_png_url = serializers.SerializerMethodField()
    qr_svg_url = serializers.SerializerMethodField()
    fallback_image_url = serializers.SerializerMethodField()
    entry_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)
    usable_count = serializers.IntegerField(
        read_only=True,
        default=None,
        allow_null=True,
        help_text="Entries in rotation: active, not full, not expired.",
    )
    open_alert_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)

    class Meta:
        model = LiveCode
        fields = [
            "id",
            "code",
            "name",
            "url",
            "qr_png_url",
            "qr_svg_url",
            "strategy",
            "fallback_message",
            "fallback_image_url",
            "allowed_platforms",
            "antiblock",
            "antiblock_by_platform",
            "is_active",
            "scan_count",
            "unique_scan_count",
            "entry_count",
            "usable_count",
            "open_alert_count",
            "created_at",
            "updated_at",
        ]

    def get_qr_png_url(self, live_code) -> str:
        return f"{live_code.short_url}.png"

    def get_qr_svg_url(self, live_code) -> str:
        return f"{live_code.short_url}.svg"

    def get_fallback_image_url(self, live_code) -> str | None:
        return f"{live_code.short_url}/fallback" if live_code.fallback_image else None


class EntryInput(serializers.Serializer):
    image = serializers.FileField(help_text=IMAGE_HELP + " It must decode; the decoded content is stored.")
    candidate = serializers.CharField(
        required=False, allow_blank=True, max_length=8000, help_text=CANDIDATE_HELP
    )
    group = ScopedPrimaryKeyRelatedField(
        queryset=Community.objects.all(), required=False, allow_null=True, help_text="Community group id."
    )
    label = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Shown to visitors; empty: the group's name.",
    )
    scan_limit = serializers.IntegerField(
        required=False, min_value=1, max_value=1_000_000, default=DEFAULT_SCAN_LIMIT
    )
    expires_at = serializers.DateTimeField(required=False, help_text="Default: 7 days after the upload.")
    is_active = TrueByDefault(default=True)
    position = serializers.IntegerField(
        required=False, min_value=0, max_value=DB_INT_MAX, help_text="Order for fill_first; default: last."
    )


class EntryUpdateInput(serializers.Serializer):
    group = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all(), required=False, allow_null=True)
    label = serializers.CharField(required=False, allow_blank=True, max_length=100)
    scan_limit = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000)
    expires_at = serializers.DateTimeField(required=False)
    is_active = serializers.BooleanField(required=False)
    position = serializers.IntegerField(required=False, min_value=0, max_value=DB_INT_MAX)


class EntryOutput(OutputSerializer):
    image_url = serializers.SerializerMethodField()
    group_name = serializers.CharField(source="group.name", read_only=True, default=None, allow_null=True)
    display_name = serializers.CharField(read_only=True)
    remaining = serializers.IntegerField(read_only=True)
    state = serializers.SerializerMethodField(help_text="usable, full, expired or inactive.")

    class Meta:
        model = LiveCodeEntry
        fields = [
            "id",
            "live_code",
            "image_url",
            "content",
            "content_is_url",
            "group",
            "group_name",
            "label",
            "display_name",
            "scan_limit",
            "scans",
            "remaining",
            "expires_at",
            "is_active",
            "state",
            "position",
            "last_scanned_at",
            "created_at",
            "updated_at",
        ]

    def get_image_url(self, entry) -> str:

        return settings.SHORT_BASE_URL + entry_image_url(entry, preview=True)

    def get_state(self, entry) -> str:
        return entry.state().value


class EntryStatsRow(serializers.Serializer):
    entry = serializers.IntegerField()
    label = serializers.CharField()
    scans = serializers.IntegerField(help_text="Scans in the range.")
    unique = serializers.IntegerField()
    scans_total = serializers.IntegerField(help_text="Scans counted against the limit since the upload.")
    scan_limit = serializers.IntegerField()
    state = serializers.CharField()


class DayStatsRow(serializers.Serializer):
    day = serializers.DateField(help_text="In the workspace's time zone.")
    scans = serializers.IntegerField()
    unique = serializers.IntegerField()


class PlatformStatsRow(serializers.Serializer):
    key = serializers.CharField(help_text="Platform id, see /api/platforms/.")
    scans = serializers.IntegerField()
    unique = serializers.IntegerField()


class LiveCodeStatsOutput(WindowInZone, serializers.Serializer):
    live_code = serializers.IntegerField()
    timezone = serializers.CharField()
    total = serializers.IntegerField()
    unique = serializers.IntegerField()
    fallback = serializers.IntegerField(help_text="Scans that found every group full (fallback page).")
    by_entry = EntryStatsRow(many=True)
    by_day = DayStatsRow(many=True)
    by_platform = PlatformStatsRow(many=True)
