from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from suo.services import api_token_for, user_get_or_create, workspace_create


class Command(BaseCommand):
    help = "Create a workspace with an owner (created if missing) and print the owner's API token."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Workspace name, e.g. 星河私域运营")
        parser.add_argument("--owner", required=True, help="Username of the owner; created if missing")
        parser.add_argument(
            "--slug", default="", help="Slug for URLs and X-Workspace (default: from the name)"
        )
        parser.add_argument("--timezone", default="", help="IANA time zone (default: TIME_ZONE setting)")

    def handle(self, *args, name: str, owner: str, slug: str, timezone: str, **options):
        if not name.strip():
            raise CommandError("The workspace name must not be empty.")
        try:
            with transaction.atomic():
                user, password = user_get_or_create(username=owner)
                workspace = workspace_create(name=name, owner=user, slug=slug, timezone=timezone)
                token = api_token_for(user=user)
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            raise CommandError(problems) from exc
        self.stdout.write(f"workspace: {workspace.slug} ({workspace.name})")
        self.stdout.write(f"owner: {user.get_username()}")
        if password:
            self.stdout.write(f"password: {password}")
        self.stdout.write(f"token: {token.key}")
