"""Claims under real concurrency: threads on their own connections (SQLite file or PostgreSQL)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from groups.campaigns import services
from groups.campaigns.models import Claim, Offer
from tests.campaigns.factories import make_campaign, make_offer, members_in

pytestmark = pytest.mark.django_db(transaction=True)


def thread_count() -> int:
    """Each thread is a connection: 24 on PostgreSQL (100 connections for everyone on this machine).
    SQLite lets one writer in at a time anyway; more than 8 waiting writers only starve some past
    the busy timeout on a loaded machine, without testing anything more."""
    return 24 if connection.vendor == "postgresql" else 8


def claim_all(jobs, *, threads: int | None = None) -> list:
    """Run every (offer, member, key) claim at once from `threads` connections; outcome per job."""
    threads = threads or thread_count()
    barrier = threading.Barrier(threads)
    local = threading.local()

    def run(job):
        if not getattr(local, "ready", False):
            local.ready = True
            barrier.wait(timeout=30)
        offer, member, key = job
        try:
            return services.offer_claim(offer=offer, member=member, idempotency_key=key)
        except Exception as exc:
            return exc

    def worker(chunk):
        try:
            return [run(job) for job in chunk]
        finally:
            connection.close()

    chunks = [jobs[index::threads] for index in range(threads)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(worker, chunks))
    return [outcome for chunk in results for outcome in chunk]


@pytest.fixture(autouse=True)
def no_broker(queued):
    """Transactional tests run on_commit hooks: the test plays the worker, nothing goes to the broker."""
    return queued


@pytest.fixture
def igniting(tenant_a):
    campaign = make_campaign(tenant_a.workspace, slug="race")
    due = campaign.transitions.get(phase="ignite").due_at
    traveller = time_machine.travel(due + timedelta(seconds=1), tick=True)
    traveller.start()
    services.campaigns_reconcile()
    yield campaign
    traveller.stop()


def test_stock_of_100_gives_exactly_100_claims_to_1000_concurrent_claimers(igniting):
    offer = make_offer(igniting, stock=100, per_member_limit=1)
    members = members_in(igniting.group, 1000)

    outcomes = claim_all([(offer, member, "") for member in members])

    won = [o for o in outcomes if isinstance(o, Claim)]
    sold_out = [o for o in outcomes if isinstance(o, services.SoldOut)]
    assert len(won) == 100 and len(sold_out) == 900, {type(o).__name__ for o in outcomes}
    assert Offer.objects.get(pk=offer.pk).claimed == 100
    assert Claim.objects.filter(offer=offer).count() == 100
    assert sorted(c.remaining_after for c in won) == list(range(100))


def test_the_per_member_limit_holds_when_one_member_claims_many_times_at_once(igniting):
    offer = make_offer(igniting, stock=1000, per_member_limit=3)
    members = members_in(igniting.group, 10)

    outcomes = claim_all([(offer, member, "") for member in members for _ in range(12)])

    assert sum(isinstance(o, Claim) for o in outcomes) == 30
    per_member = {m.pk: Claim.objects.filter(offer=offer, member=m).count() for m in members}
    assert set(per_member.values()) == {3}
    assert Offer.objects.get(pk=offer.pk).claimed == 30


def test_parallel_retries_with_one_idempotency_key_claim_once(igniting):
    offer = make_offer(igniting, stock=50, per_member_limit=5)
    [member] = members_in(igniting.group, 1)

    outcomes = claim_all([(offer, member, "retry-key")] * 8, threads=8)

    claims = [o for o in outcomes if isinstance(o, Claim)]
    assert len(claims) == 8, outcomes
    assert len({c.pk for c in claims}) == 1
    assert Claim.objects.filter(offer=offer).count() == 1
    assert Offer.objects.get(pk=offer.pk).claimed == 1
