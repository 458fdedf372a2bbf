"""The public countdown page /c/<slug>: phases, server time, personal links, claims, gates."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from groups.campaigns import services
from groups.campaigns.models import CampaignVisit, Claim
from tests.campaigns.factories import make_campaign, make_offer
from tests.campaigns.helpers import run_until
from tests.groups.factories import MemberFactory

pytestmark = pytest.mark.django_db
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 "
    "MicroMessenger/8.0.50"
)


def page_url(link: str) -> str:
    return link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


@pytest.fixture
def campaign(tenant_a):
    campaign = make_campaign(tenant_a.workspace, description="全场五折，限量抢购")
    make_offer(campaign, name="限量礼盒", stock=3, per_member_limit=1)
    return campaign


def personal(campaign, member) -> str:
    return page_url(services.member_link(campaign=campaign, member=member))


def test_before_the_start_the_page_counts_down_to_preheat_from_the_servers_clock(client, campaign):
    preheat = campaign.transitions.get(phase="preheat").due_at
    with time_machine.travel(preheat - timedelta(minutes=5), tick=False):
        response = client.get("/c/double11", HTTP_USER_AGENT=PHONE)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-phase="draft"' in html and "未开始" in html
    now_ms = int(re.search(r'data-now="(\d+)"', html).group(1))
    target_ms = int(re.search(r'data-target="(\d+)"', html).group(1))
    assert target_ms - now_ms == 5 * 60 * 1000
    assert target_ms == int(preheat.timestamp() * 1000)
    assert "限量礼盒" in html and 'class="claim-form"' not in html
    assert response["Cache-Control"] == "private, no-store"


def test_during_ignite_a_personal_link_shows_the_claim_button_and_records_the_visit(
    client, campaign, tenant_a
):
    member = MemberFactory(workspace=tenant_a.workspace, display_name="小雨")
    traveller = run_until(campaign, "ignite")
    anonymous = client.get("/c/double11", HTTP_USER_AGENT=PHONE).content.decode()
    mine = client.get(personal(campaign, member), HTTP_USER_AGENT=PHONE).content.decode()
    traveller.stop()

    assert 'class="claim-form"' not in anonymous and "专属链接" in anonymous
    assert 'class="claim-form"' in mine and "小雨" in mine
    assert CampaignVisit.objects.get(campaign=campaign, member=member).count == 1


def test_link_previews_do_not_count_as_a_visit(client, campaign, tenant_a):
    member = MemberFactory(workspace=tenant_a.workspace)

    client.get(personal(campaign, member), HTTP_USER_AGENT="facebookexternalhit/1.1")

    assert not CampaignVisit.objects.exists()


def test_claiming_from_the_page_claims_once_even_when_the_form_is_sent_twice(campaign, tenant_a):
    member = MemberFactory(workspace=tenant_a.workspace)
    client = Client(enforce_csrf_checks=True)
    traveller = run_until(campaign, "ignite")
    page = client.get(personal(campaign, member), HTTP_USER_AGENT=PHONE).content.decode()
    form = {
        name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1)
        for name in ("csrfmiddlewaretoken", "t", "offer", "key")
    }
    first = client.post("/c/double11", form, HTTP_USER_AGENT=PHONE)
    again = client.post("/c/double11", form, HTTP_USER_AGENT=PHONE)
    traveller.stop()

    assert first.status_code == again.status_code == 200
    assert "抢到" in first.content.decode()
    [claim] = Claim.objects.filter(member=member)
    assert claim.via == "page"


def test_a_claim_without_the_csrf_token_is_refused(campaign, tenant_a):
    member = MemberFactory(workspace=tenant_a.workspace)
    client = Client(enforce_csrf_checks=True)
    traveller = run_until(campaign, "ignite")
    token = personal(campaign, member).split("t=", 1)[1]
    response = client.post("/c/double11", {"t": token, "offer": campaign.offers.get().pk, "key": "x"})
    traveller.stop()

    assert response.status_code == 403
    assert not Claim.objects.exists()


def test_a_forged_token_or_another_campaigns_token_claims_nothing(client, campaign, tenant_a):
    member = MemberFactory(workspace=tenant_a.workspace)
    other = make_campaign(tenant_a.workspace, slug="other", start=timezone.now() + timedelta(days=2))
    foreign_token = personal(other, member).split("t=", 1)[1]
    offer = campaign.offers.get()
    traveller = run_until(campaign, "ignite")
    forged = client.post(
        "/c/double11", {"t": f"[{campaign.pk},{member.pk}]:forged", "offer": offer.pk, "key": "a"}
    )
    wrong = client.post("/c/double11", {"t": foreign_token, "offer": offer.pk, "key": "b"})
    traveller.stop()

    assert forged.status_code == wrong.status_code == 403
    assert "专属链接" in forged.content.decode()
    assert not Claim.objects.exists()


def test_sold_out_and_over_the_limit_say_so_in_the_page(client, campaign, tenant_a):
    offer = campaign.offers.get()
    members = [MemberFactory(workspace=tenant_a.workspace) for _ in range(4)]
    traveller = run_until(campaign, "ignite")
    outcomes = []
    for index, member in enumerate([*members, members[0]]):
        token = personal(campaign, member).split("t=", 1)[1]
        outcomes.append(
            client.post("/c/double11", {"t": token, "offer": offer.pk, "key": f"k{index}"}).status_code
        )
    traveller.stop()

    assert outcomes == [200, 200, 200, 409, 400]
    assert Claim.objects.count() == 3


@pytest.mark.parametrize("offer", ["²", "١", "", "abc", "-1"])
def test_a_malformed_offer_id_is_a_400_in_the_page(client, campaign, tenant_a, offer):
    member = MemberFactory(workspace=tenant_a.workspace)
    token = personal(campaign, member).split("t=", 1)[1]
    traveller = run_until(campaign, "ignite")
    response = client.post("/c/double11", {"t": token, "offer": offer, "key": "k"})
    traveller.stop()

    assert response.status_code == 400
    assert not Claim.objects.exists()


def test_claims_are_rate_limited_per_visitor(client, campaign, tenant_a):
    member = MemberFactory(workspace=tenant_a.workspace)
    token = personal(campaign, member).split("t=", 1)[1]
    traveller = run_until(campaign, "ignite")
    codes = [
        client.post("/c/double11", {"t": token, "offer": "999999", "key": str(i)}).status_code
        for i in range(22)
    ]
    traveller.stop()

    assert codes[:20] == [400] * 20 and codes[20:] == [429, 429]


def test_the_state_endpoint_gives_the_phase_the_next_start_and_the_stock(client, campaign, tenant_a):
    traveller = run_until(campaign, "ignite")
    services.offer_claim(offer=campaign.offers.get(), member=MemberFactory(workspace=tenant_a.workspace))
    state = client.get("/c/double11/state").json()
    traveller.stop()

    assert state["phase"] == "ignite" and state["next_phase"] == "wrap_up"
    assert state["offers"] == [{"id": campaign.offers.get().pk, "remaining": 2}]
    assert state["now"] and state["next_phase_at"]


def test_after_the_close_the_page_says_it_ended_without_a_countdown(client, campaign):
    traveller = run_until(campaign, "closed")
    html = client.get("/c/double11", HTTP_USER_AGENT=PHONE).content.decode()
    traveller.stop()

    assert 'data-phase="closed"' in html and 'id="ended"' in html and 'id="countdown"' not in html


def test_an_unknown_campaign_is_a_404_page(client, db):
    response = client.get("/c/no-such-thing")

    assert response.status_code == 404
    assert "活动不存在" in response.content.decode()


def test_the_page_takes_a_fixed_number_of_queries(client, campaign, tenant_a, django_assert_max_num_queries):
    for index in range(4):
        make_offer(campaign, name=f"加购{index}")
    member = MemberFactory(workspace=tenant_a.workspace)
    url = personal(campaign, member)

    with django_assert_max_num_queries(10):
        client.get(url, HTTP_USER_AGENT=PHONE)


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize(
    ("path", "allow"), [("/c/double11", "GET, HEAD, POST"), ("/c/double11/state", "GET, HEAD")]
)
def test_other_methods_are_405_with_allow_not_a_csrf_403(campaign, method, path, allow):
    response = getattr(Client(enforce_csrf_checks=True), method)(path, HTTP_USER_AGENT=PHONE)

    assert response.status_code == 405
    assert response["Allow"] == allow
    assert not Claim.objects.exists()
