"""Blocked domains cannot be walked around with look-alike host names: every host is compared in
its UTS-46 / IDNA form (full-width letters, ideographic dots, case, final dot, punycode)."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import translation

from links.models import Link, LinkSettings
from links.services import link_create, link_settings_update, link_update
from links.validation import normalize_host, validate_target_url
from tests.links.factories import LinkFactory
from tests.suo.factories import WorkspaceFactory

LOOK_ALIKES = [
    "https://ｅｖｉｌ.com/x",
    "https://evil。com/x",
    "https://evil．com/x",
    "https://EVIL.com./x",
    "https://ＥＶＩＬ．ＣＯＭ/x",
    "https://www.ｅｖｉｌ.com/x",
    "https://ev\u200bil.com/x",
]


@pytest.mark.parametrize("url", LOOK_ALIKES)
def test_site_blocklist_refuses_look_alikes_of_a_blocked_domain(settings, url):
    settings.LINKS_BLOCKED_DOMAINS = ["evil.com"]

    with pytest.raises(ValidationError):
        validate_target_url(url)


@pytest.mark.django_db
@pytest.mark.parametrize("url", LOOK_ALIKES)
def test_workspace_blocklist_refuses_look_alikes_when_creating_and_changing_links(url):
    workspace = WorkspaceFactory()
    link_settings_update(workspace=workspace, blocked_domains=["evil.com"])
    link = LinkFactory(workspace=workspace)

    with pytest.raises(ValidationError):
        link_create(workspace=workspace, url=url)
    with pytest.raises(ValidationError):
        link_update(link=link, url=url)

    assert Link.objects.filter(workspace=workspace).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("blocked", "url"),
    [
        ("例子.com", "https://xn--fsqu00a.com/"),
        ("xn--fsqu00a.com", "https://例子.com/"),
        ("ＥＶＩＬ.com", "https://evil.com/"),
    ],
)
def test_unicode_and_punycode_forms_are_one_domain_whichever_was_stored(blocked, url):
    workspace = WorkspaceFactory()
    # Stored as it was typed (rows written before the admin cleaned them, see migration 0006).
    LinkSettings.objects.create(workspace=workspace, blocked_domains=[blocked])

    with pytest.raises(ValidationError):
        link_create(workspace=workspace, url=url)


@pytest.mark.django_db
def test_blocked_domains_are_stored_normalised_and_garbage_is_refused():
    workspace = WorkspaceFactory()

    saved = link_settings_update(
        workspace=workspace, blocked_domains=["ＥＶＩＬ。com.", "例子.com", "evil.com"]
    )

    assert saved.blocked_domains == ["evil.com", "xn--fsqu00a.com"]
    with pytest.raises(ValidationError):
        link_settings_update(workspace=workspace, blocked_domains=["bad\ufffd.com"])


def test_a_look_alike_of_the_short_host_is_refused_as_a_loop(settings):
    settings.SHORT_BASE_URL = "https://s.example.cn"

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_target_url("https://Ｓ.Example.cn./abc")

    assert "loop" in refused.value.message_dict["url"][0]


def test_host_names_that_cannot_be_normalised_are_invalid_not_a_crash():
    with pytest.raises(ValueError):
        normalize_host("bad\ufffd.com")
    with pytest.raises(ValidationError):
        validate_target_url("https://exa\u2100mple.com/")  # ℀ normalises to "a/c"


@pytest.mark.django_db
def test_the_migration_cleans_stored_domains_keeps_collisions_once_and_garbage_as_typed():
    migration = importlib.import_module("links.migrations.0006_blocked_domains_normalised")
    typed = WorkspaceFactory()
    clean = WorkspaceFactory()
    LinkSettings.objects.create(
        workspace=typed, blocked_domains=["ＥＶＩＬ．com.", "evil.com", "例子.com", "not a domain"]
    )
    LinkSettings.objects.create(workspace=clean, blocked_domains=["evil.com"])

    migration.normalise_blocked_domains(apps, None)

    assert LinkSettings.objects.get(workspace=typed).blocked_domains == [
        "evil.com",
        "xn--fsqu00a.com",
        "not a domain",
    ]
    assert LinkSettings.objects.get(workspace=clean).blocked_domains == ["evil.com"]
