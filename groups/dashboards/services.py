"""Writes of the group lifecycle: thresholds, cold-group flags, migration and cleanup.

Each is one transaction, audited, with webhooks emitted inside it (sent after commit). Memberships
only change through the groups app's own services.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.dashboards.health import cold_groups
from groups.dashboards.lifecycle import lifecycle_settings_for, migration_candidates
from groups.dashboards.models import ColdGroupFlag, GroupMigration, LifecycleSettings
from groups.models import Community, CommunityState, JoinSource, LeaveReason, Membership
from groups.payloads import group_payload
from groups.services import community_transition, membership_join, membership_leave
from suo.audit import audit_build, audit_many, audit_record, snapshot
from suo.models import Workspace
from suo.webhooks import webhook_emit_many

SETTINGS_FIELDS = ("cold_messages_per_member", "cold_weeks", "migration_active_days")


@transaction.atomic
def lifecycle_settings_update(*, workspace: Workspace, by=None, **fields) -> LifecycleSettings:
    settings, _created = LifecycleSettings.objects.select_for_update().get_or_create(workspace=workspace)
    before = snapshot(settings, list(SETTINGS_FIELDS))
    for name, value in fields.items():
        if name not in SETTINGS_FIELDS:
            raise ValidationError({name: _("Unknown setting.")})
        setattr(settings, name, value)
    settings.full_clean(exclude=["workspace"])
    settings.save()
    audit_record(
        actor=by,
        verb="lifecycle.settings_changed",
        target=settings,
        before=before,
        after=snapshot(settings, list(SETTINGS_FIELDS)),
        workspace=workspace,
    )
    return settings


@transaction.atomic
def cold_groups_flag(*, workspace: Workspace, now: dt.datetime | None = None) -> list[ColdGroupFlag]:
    """Flag the groups that are cold now (stored alert + `group.cold` webhook, once per spell) and
    close the flags of groups that warmed up or were archived. Returns the new flags."""
    now = now or timezone.now()
    settings = lifecycle_settings_for(workspace)
    found = {
        group.community_id: group
        for group in cold_groups(
            workspace=workspace,
            threshold=Decimal(settings.cold_messages_per_member),
            weeks=settings.cold_weeks,
            now=now,
        )
    }
    open_flags = ColdGroupFlag.objects.select_for_update().filter(
        workspace=workspace, resolved_at__isnull=True
    )
    flagged = set(open_flags.values_list("community_id", flat=True))
    open_flags.exclude(community_id__in=list(found)).update(resolved_at=now)
    new_ids = [pk for pk in found if pk not in flagged]
    if not new_ids:
        return []
    communities = Community.objects.in_bulk(new_ids)
    flags = ColdGroupFlag.objects.bulk_create(
        [
            ColdGroupFlag(
                workspace=workspace,
                community=communities[pk],
                flagged_at=now,
                weeks=found[pk].weeks,
                threshold=settings.cold_messages_per_member,
            )
            for pk in sorted(new_ids)
        ]
    )
    audit_many(
        [
            audit_build(
                actor=None,
                verb="group.cold",
                target=flag.community,
                after={"weeks": flag.weeks},
                workspace=workspace,
            )
            for flag in flags
        ]
    )
    webhook_emit_many(
        workspace=workspace,
        events=[
            (
                "group.cold",
                {
                    "group": group_payload(flag.community),
                    "threshold": str(settings.cold_messages_per_member),
                    "weeks": flag.weeks,
                    "flagged_at": now,
                },
            )
            for flag in flags
        ],
    )
    return flags


def cold_groups_sweep(*, now: dt.datetime | None = None) -> int:
    """Every workspace with groups, one transaction each; idempotent. Returns the new flags."""
    workspace_ids = (
        Community.objects.values_list("workspace_id", flat=True).distinct().order_by("workspace_id")
    )
    created = 0
    for workspace in Workspace.objects.filter(pk__in=list(workspace_ids)).order_by("pk"):
        created += len(cold_groups_flag(workspace=workspace, now=now))
    return created


@transaction.atomic
def group_migrate(
    *,
    source: Community,
    target: Community,
    active_days: int,
    archive_source: bool = False,
    by=None,
    now: dt.datetime | None = None,
) -> GroupMigration:
    """Move the members of `source` active in the last `active_days` days to `target`.

    Each one leaves `source` (reason `migrated`) and joins `target` (source `manual`, channel
    `migration`; thresholds and capacity are not checked: the operator decided), and a
    `member.migration_invited` webhook asks the bot to invite them. Members already in `target`
    only leave `source`. With `archive_source`, `source` is then archived and every remaining
    membership closed with reason `archived`.
    """
    now = now or timezone.now()
    source = Community.objects.select_for_update().select_related("workspace").get(pk=source.pk)
    errors = {}
    if target.workspace_id != source.workspace_id:
        errors["target"] = _("The target group belongs to another workspace.")
    elif target.pk == source.pk:
        errors["target"] = _("Choose a target group other than the source.")
    elif target.state == CommunityState.ARCHIVED:
        errors["target"] = _("The target group is archived.")
    if source.state == CommunityState.ARCHIVED:
        errors["source"] = _("The source group is archived already.")
    if not 1 <= active_days <= 365:
        errors["active_days"] = _("Choose between 1 and 365 days.")
    if errors:
        raise ValidationError(errors)
    members = list(migration_candidates(source=source, active_days=active_days, now=now))
    already = set(
        Membership.objects.filter(community=target, is_active=True, member__in=members).values_list(
            "member_id", flat=True
        )
    )
    for member in members:
        membership_leave(community=source, member=member, reason=LeaveReason.MIGRATED, at=now, by=by)
        if member.pk not in already:
            membership_join(
                community=target,
                member=member,
                source=JoinSource.MANUAL,
                channel="migration",
                at=now,
                enforce=False,
                notify=False,
                by=by,
            )
    migration = GroupMigration.objects.create(
        workspace_id=source.workspace_id,
        source=source,
        target=target,
        active_days=active_days,
        moved=len(members) - len(already),
        already_in_target=len(already),
        archived_source=archive_source,
        by=by,
        at=now,
    )
    webhook_emit_many(
        workspace=source.workspace,
        events=[
            (
                "member.migration_invited",
                {
                    "migration_id": migration.pk,
                    "from_group": group_payload(source),
                    "group": group_payload(target),
                    "member": {
                        "id": member.pk,
                        "display_name": member.display_name,
                        "platform": member.platform,
                        "external_id": member.external_id,
                    },
                },
            )
            for member in members
            if member.pk not in already
        ],
    )
    audit_record(
        actor=by,
        verb="group.migrated",
        target=migration,
        after={
            "source": source.pk,
            "target": target.pk,
            "active_days": active_days,
            "members": [member.pk for member in members],
            "archive_source": archive_source,
        },
        workspace=source.workspace_id,
    )
    if archive_source:
        note = _("Cleaned up after migrating %(n)s members to %(group)s.") % {
            "n": len(members),
            "group": target.name,
        }
        community_transition(community=source, to_state=CommunityState.ARCHIVED, by=by, note=note)
    return migration
