"""Limited offers: claims during ignite only, per-member limits, sold out, Idempotency-Key."""

import pytest
from django.core.exceptions import ValidationError

from groups.campaigns import services
from groups.campaigns.models import Claim, Offer
from tests.campaigns.factories import make_campaign, make_offer
from tests.campaigns.helpers import run_until
from tests.groups.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def igniting(tenant_a):
    campaign = make_campaign(tenant_a.workspace)
    traveller = run_until(campaign, "ignite")
    yield campaign
    traveller.stop()


def test_a_claim_during_ignite_takes_one_unit_of_stock(tenant_a, igniting):
    offer = make_offer(igniting, stock=2)
    member = MemberFactory(workspace=tenant_a.workspace)

    claim = services.offer_claim(offer=offer, member=member)

    assert (claim.seq, claim.remaining_after, claim.replayed) == (1, 1, False)
    assert Offer.objects.get(pk=offer.pk).claimed == 1


def test_a_claim_over_the_members_limit_is_refused_and_takes_nothing(tenant_a, igniting):
    offer = make_offer(igniting, stock=10, per_member_limit=2)
    member = MemberFactory(workspace=tenant_a.workspace)
    services.offer_claim(offer=offer, member=member)
    services.offer_claim(offer=offer, member=member)

    with pytest.raises(ValidationError) as refused:
        services.offer_claim(offer=offer, member=member)

    assert refused.value.error_dict["member"][0].code == "over_limit"
    assert Offer.objects.get(pk=offer.pk).claimed == 2
    assert Claim.objects.filter(member=member).count() == 2


def test_a_claim_when_sold_out_raises_sold_out_and_writes_nothing(tenant_a, igniting):
    offer = make_offer(igniting, stock=1)
    services.offer_claim(offer=offer, member=MemberFactory(workspace=tenant_a.workspace))
    late = MemberFactory(workspace=tenant_a.workspace)

    with pytest.raises(services.SoldOut):
        services.offer_claim(offer=offer, member=late)

    assert not Claim.objects.filter(member=late).exists()
    assert Offer.objects.get(pk=offer.pk).claimed == 1


@pytest.mark.parametrize(
    ("phase", "code"), [(None, "not_started"), ("preheat", "not_started"), ("wrap_up", "campaign_closed")]
)
def test_claims_outside_ignite_are_refused(tenant_a, phase, code):
    campaign = make_campaign(tenant_a.workspace)
    offer = make_offer(campaign)
    traveller = run_until(campaign, phase) if phase else None
    try:
        with pytest.raises(ValidationError) as refused:
            services.offer_claim(offer=offer, member=MemberFactory(workspace=tenant_a.workspace))
    finally:
        if traveller:
            traveller.stop()

    assert refused.value.error_dict["campaign"][0].code == code
    assert not Claim.objects.exists()


def test_a_retry_with_the_same_idempotency_key_gets_the_first_claim_and_claims_nothing_more(
    tenant_a, igniting
):
    offer = make_offer(igniting, stock=5, per_member_limit=3)
    member = MemberFactory(workspace=tenant_a.workspace)

    first = services.offer_claim(offer=offer, member=member, idempotency_key="tap-1")
    services.offer_claim(offer=offer, member=MemberFactory(workspace=tenant_a.workspace))
    again = services.offer_claim(offer=offer, member=member, idempotency_key="tap-1")

    assert again.replayed and again.pk == first.pk
    assert again.remaining_after == first.remaining_after == 4
    assert Claim.objects.filter(member=member).count() == 1
    assert Offer.objects.get(pk=offer.pk).claimed == 2


def test_stock_cannot_drop_below_what_was_claimed(tenant_a, igniting):
    offer = make_offer(igniting, stock=5)
    for _ in range(3):
        services.offer_claim(offer=offer, member=MemberFactory(workspace=tenant_a.workspace))

    with pytest.raises(ValidationError) as refused:
        services.offer_update(offer=offer, stock=2)
    services.offer_update(offer=offer, stock=3)

    assert refused.value.error_dict["stock"][0].code == "stock_below_claimed"
    assert Offer.objects.get(pk=offer.pk).stock == 3


def test_a_member_of_another_workspace_cannot_claim(tenant_a, tenant_b, igniting):
    offer = make_offer(igniting)

    with pytest.raises(ValidationError):
        services.offer_claim(offer=offer, member=MemberFactory(workspace=tenant_b.workspace))

    assert not Claim.objects.exists()
