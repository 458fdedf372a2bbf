"""Blocked domains stored as typed (through the model admin, before it cleaned them) are rewritten
in the form suo.hosts gives every host: `ＥＶＩＬ．com.` → `evil.com`, `例子.com` → `xn--fsqu00a.com`.

Collisions: entries that become the same domain (`EVIL.com` and `evil.com`) are kept once; they
blocked the same hosts anyway. An entry that is not a domain name at all is kept as it was typed
(it never matched a host; the admin asks for it to be fixed on the next save). The list is sorted,
as the service stores it. Going back leaves the cleaned lists as they are.
"""

from django.db import migrations

from suo.hosts import clean_host


def _cleaned(domains) -> list:
    if not isinstance(domains, list):
        return domains
    cleaned, kept = set(), []
    for raw in domains:
        try:
            domain = clean_host(str(raw).strip().lstrip("."))
        except ValueError:
            domain = ""
        if "." in domain:
            cleaned.add(domain)
        elif raw not in kept:
            kept.append(raw)
    return sorted(cleaned) + kept


def normalise_blocked_domains(apps, schema_editor):
    LinkSettings = apps.get_model("links", "LinkSettings")
    for row in LinkSettings.objects.only("pk", "blocked_domains").iterator():
        domains = _cleaned(row.blocked_domains)
        if domains != row.blocked_domains:
            LinkSettings.objects.filter(pk=row.pk).update(blocked_domains=domains)


class Migration(migrations.Migration):
    dependencies = [
        ("links", "0005_click_unique_lookup"),
    ]

    operations = [
        migrations.RunPython(normalise_blocked_domains, migrations.RunPython.noop, elidable=True),
    ]
