"""Campaigns and their schedule: create, edit (reschedule), and advance phase by phase on time.

Each phase start is a PhaseTransition row (due time + state). Saving a schedule enqueues an ETA
task per changed row after commit; the task and the periodic reconciler both call
campaign_advance(), which takes the campaign's due transitions in order and claims each with a
conditional UPDATE (due → done) inside the transaction that applies it. A transition therefore
happens once, never before an earlier one, and a worker that was down catches up in order.
"""

from datetime import datetime
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.campaigns.errors import refusal
from groups.campaigns.models import (
    PHASES,
    Campaign,
    CampaignPhase,
    PhaseTransition,
    TransitionState,
)
from groups.campaigns.payloads import campaign_brief
from groups.campaigns.services.messages import phase_message_events
from groups.campaigns.services.wrapup import lifecycle_follow, wrap_up_run
from groups.models import Community, CommunityKind, CommunityState, Membership
from suo.audit import audit_record, snapshot
from suo.db import save_or_field_error
from suo.models import Workspace
from suo.queue import enqueue_on_commit
from suo.webhooks import webhook_emit_many

CAMPAIGN_KINDS = (CommunityKind.FLASH, CommunityKind.LEAD_GEN)
# What a campaign says besides its name and schedule (the API shows them after its phases).
SETTINGS = (
    "description",
    "thank_you_message",
    "thank_you_red_packet",
    "referral_stay_days",
    "referral_invitees_per_reward",
    "referral_reward",
)
# What campaign_create / campaign_update take besides group, slug and phases (the admin's form too).
EDITABLE = ("name", *SETTINGS)
# What a campaign_update's audit record shows of the campaign, before and after.
AUDITED = [*EDITABLE, "slug"]


def _phase_label(phase: str) -> str:
    return str(CampaignPhase(phase).label)


def _merge_schedule(
    phases: list[dict], *, current: dict[str, PhaseTransition], now: datetime
) -> dict[str, datetime]:
    """{phase: start} once `phases` is applied to `current`; every mistake names its list entry."""
    errors: dict[str, str] = {}
    given: dict[str, tuple[int, datetime]] = {}
    for index, item in enumerate(phases):
        phase, at = item.get("phase"), item.get("starts_at")
        if phase not in PHASES:
            errors[f"phases.{index}.phase"] = _(
                "Unknown phase “%(phase)s”: use preheat, ignite, wrap_up or closed."
            ) % {"phase": phase}
        elif phase in given:
            errors[f"phases.{index}.phase"] = _("The phase “%(phase)s” is given twice.") % {"phase": phase}
        elif at is None:
            errors[f"phases.{index}.starts_at"] = _("Give the phase's start time.")
        else:
            given[phase] = (index, at)
    merged = {phase: row.due_at for phase, row in current.items()}
    for phase, (index, at) in given.items():
        row = current.get(phase)
        if row is not None and row.state == TransitionState.DONE:
            if at != row.due_at:
                errors[f"phases.{index}.starts_at"] = _(
                    "The phase “%(phase)s” has already started; its time cannot change."
                ) % {"phase": _phase_label(phase)}
            continue
        if at <= now:
            errors[f"phases.{index}.starts_at"] = _("The start of “%(phase)s” is in the past.") % {
                "phase": _phase_label(phase)
            }
        merged[phase] = at
    missing = [phase for phase in PHASES if phase not in merged]
    if missing and not errors:
        errors["phases"] = _("Give a start time for every phase; missing: %(phases)s.") % {
            "phases": ", ".join(missing)
        }
    if not errors:
        for before, after in pairwise(PHASES):
            if merged[after] <= merged[before]:
                index = given.get(after, given.get(before, (0, None)))[0]
                errors[f"phases.{index}.starts_at"] = _(
                    "Phases go in order: “%(after)s” must start after “%(before)s”."
                ) % {"after": _phase_label(after), "before": _phase_label(before)}
                break
    if errors:
        raise ValidationError(errors)
    return merged


def _check_group(workspace: Workspace, group: Community) -> None:
    if group.workspace_id != workspace.pk:
        raise refusal("group", _("The group does not exist in this workspace."), "does_not_exist")
    if group.kind not in CAMPAIGN_KINDS:
        raise ValidationError(
            {"group": _("Campaigns run in flash or lead-gen groups; benefit groups have plays.")}
        )
    if group.state == CommunityState.ARCHIVED:
        raise ValidationError({"group": _("The group is archived.")})


def _check_no_overlap(campaign: Campaign, schedule: dict[str, datetime]) -> None:
    start, end = schedule[CampaignPhase.PREHEAT], schedule[CampaignPhase.CLOSED]
    clash = (
        Campaign.objects.filter(group_id=campaign.group_id)
        .exclude(pk=campaign.pk)
        .annotate(start=Min("transitions__due_at"), end=Max("transitions__due_at"))
        .filter(start__lt=end, end__gt=start)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "phases": _(
                    "The group already runs “%(name)s” at that time; one campaign at a time per group."
                )
                % {"name": clash.name}
            }
        )


def _enqueue(transitions: list[PhaseTransition]) -> None:
    for row in transitions:
        enqueue_on_commit("groups.campaigns.tasks.campaign_advance_task", row.pk, eta=row.due_at)


@transaction.atomic
def campaign_create(
    *, workspace: Workspace, group: Community, name: str, slug: str, phases: list[dict], by=None, **fields
) -> Campaign:
    """A campaign in `group` with a start time for each phase; phase is `draft` until preheat."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in unknown})
    _check_group(workspace, group)
    campaign = Campaign(
        workspace=workspace,
        group=group,
        name=(name or "").strip(),
        slug=(slug or "").strip(),
        created_by=by if by is not None and by.is_authenticated else None,
        **fields,
    )
    campaign.full_clean(exclude=["workspace", "group"], validate_unique=False)
    schedule = _merge_schedule(phases, current={}, now=timezone.now())
    _check_no_overlap(campaign, schedule)
    save_or_field_error(campaign, field="slug", message=_("This slug is already taken; choose another."))
    rows = PhaseTransition.objects.bulk_create(
        [
            PhaseTransition(
                workspace=workspace, campaign=campaign, phase=phase, position=index, due_at=schedule[phase]
            )
            for index, phase in enumerate(PHASES, start=1)
        ]
    )
    if rows and rows[0].pk is None:
        rows = list(campaign.transitions.order_by("position"))
    audit_record(
        actor=by,
        verb="campaign.created",
        target=campaign,
        after=snapshot(campaign, ["group", "name", "slug"]) | {"schedule": schedule},
    )
    _enqueue(rows)
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, by=None, phases: list[dict] | None = None, **fields) -> Campaign:
    """Change a campaign; new phase times reschedule (the old ETA tasks then find nothing to do)."""
    campaign = Campaign.objects.select_for_update().select_related("group").get(pk=campaign.pk)
    if "group" in fields and fields["group"].pk != campaign.group_id:
        raise ValidationError({"group": _("A campaign stays in its group; create a new campaign instead.")})
    fields.pop("group", None)
    slug = fields.pop("slug", None)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    before = snapshot(campaign, AUDITED)
    if slug is not None and slug != campaign.slug:
        if campaign.phase != CampaignPhase.DRAFT:
            raise ValidationError(
                {"slug": _("The slug is public once the campaign started; it cannot change.")}
            )
        campaign.slug = slug.strip()
    for name, value in fields.items():
        setattr(campaign, name, value.strip() if isinstance(value, str) else value)
    campaign.full_clean(exclude=["workspace", "group"], validate_unique=False)
    changed: list[PhaseTransition] = []
    if phases:
        current = {row.phase: row for row in campaign.transitions.select_for_update().order_by("position")}
        schedule = _merge_schedule(phases, current=current, now=timezone.now())
        _check_no_overlap(campaign, schedule)
        for phase, at in schedule.items():
            row = current[phase]
            if row.state == TransitionState.DUE and row.due_at != at:
                row.due_at = at
                changed.append(row)
        PhaseTransition.objects.bulk_update(changed, ["due_at"])
    save_or_field_error(campaign, field="slug", message=_("This slug is already taken; choose another."))
    after = snapshot(campaign, AUDITED)
    if changed:
        after["rescheduled"] = {row.phase: row.due_at for row in changed}
    audit_record(actor=by, verb="campaign.updated", target=campaign, before=before, after=after)
    _enqueue(changed)
    return campaign


@transaction.atomic
def campaign_delete(*, campaign: Campaign, by=None) -> None:
    if campaign.phase != CampaignPhase.DRAFT:
        raise ValidationError({"phase": _("Only a campaign that has not started can be deleted.")})
    audit_record(
        actor=by, verb="campaign.deleted", target=campaign, before=snapshot(campaign, ["name", "slug"])
    )
    campaign.delete()


# --- advancing --------------------------------------------------------------------------------


def campaign_advance(*, campaign_id: int) -> list[PhaseTransition]:
    """Do every transition of the campaign whose time has come, in order; one transaction each."""
    done = []
    for _step in PHASES:
        transition = _advance_one(campaign_id)
        if transition is None:
            break
        done.append(transition)
    return done


@transaction.atomic
def _advance_one(campaign_id: int) -> PhaseTransition | None:
    now = timezone.now()
    # The campaign's row lock orders this against reschedules and against other workers.
    campaign = (
        Campaign.objects.select_for_update()
        .select_related("group", "workspace")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        return None
    transition = (
        PhaseTransition.objects.filter(campaign=campaign, state=TransitionState.DUE)
        .order_by("position")
        .first()
    )
    if transition is None or transition.due_at > now:
        return None
    claimed = PhaseTransition.objects.filter(
        pk=transition.pk, state=TransitionState.DUE, due_at__lte=now
    ).update(state=TransitionState.DONE, done_at=now)
    if not claimed:
        return None
    transition.state, transition.done_at = TransitionState.DONE, now
    _apply(campaign, transition, now)
    return transition


def _apply(campaign: Campaign, transition: PhaseTransition, now: datetime) -> None:
    previous = campaign.phase
    campaign.phase, campaign.phase_changed_at = transition.phase, now
    campaign.save(update_fields=["phase", "phase_changed_at", "updated_at"])
    attribution_stamp(campaign=campaign, now=now)
    notes = [lifecycle_follow(campaign=campaign, phase=transition.phase)]
    events = [
        (
            "campaign.phase_changed",
            {
                "campaign": campaign_brief(campaign),
                "from": previous,
                "to": transition.phase,
                "planned_at": transition.due_at,
                "at": now,
            },
        )
    ]
    events.extend(phase_message_events(campaign, transition.phase, now))
    if transition.phase == CampaignPhase.WRAP_UP:
        notes.append(wrap_up_run(campaign=campaign, now=now, events=events))
    transition.messages_sent = sum(1 for kind, _payload in events if kind == "message.scheduled")
    transition.note = "; ".join(note for note in notes if note)[:300]
    transition.save(update_fields=["messages_sent", "note"])
    webhook_emit_many(workspace=campaign.workspace, events=events)
    audit_record(
        actor=None,
        verb="campaign.phase_changed",
        target=campaign,
        before={"phase": previous},
        after={"phase": transition.phase, "planned_at": transition.due_at, "note": transition.note},
    )


def attribution_stamp(*, campaign: Campaign, now: datetime | None = None) -> int:
    """Label joins into the campaign's group during the campaign with its slug, where the join
    did not name a campaign itself (bots may pass `campaign` in join events to be exact)."""
    window = dict(
        campaign.transitions.filter(phase__in=[CampaignPhase.PREHEAT, CampaignPhase.CLOSED]).values_list(
            "phase", "due_at"
        )
    )
    if CampaignPhase.PREHEAT not in window:
        return 0
    end = now or timezone.now()
    closed = window.get(CampaignPhase.CLOSED)
    if closed is not None and closed < end:
        end = closed
    return Membership.objects.filter(
        community_id=campaign.group_id,
        campaign="",
        joined_at__gte=window[CampaignPhase.PREHEAT],
        joined_at__lt=end,
    ).update(campaign=campaign.slug)


def campaigns_reconcile(*, limit: int = 500) -> int:
    """Advance every campaign with a transition whose time has passed (a lost task, a worker down).
    Returns how many transitions happened."""
    now = timezone.now()
    campaign_ids = list(
        PhaseTransition.objects.filter(state=TransitionState.DUE, due_at__lte=now)
        .values_list("campaign_id", flat=True)
        .distinct()
        .order_by("campaign_id")[:limit]
    )
    return sum(len(campaign_advance(campaign_id=campaign_id)) for campaign_id in campaign_ids)
