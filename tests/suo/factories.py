import factory
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from suo.models import Role, Workspace, WorkspaceMembership

PASSWORD = "a-long-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(user, create, extracted, **kwargs):
        if create:
            user.save()


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"工作区{n}")
    slug = factory.Sequence(lambda n: f"ws{n}")
    timezone = "Asia/Shanghai"


class WorkspaceRowFactory(factory.django.DjangoModelFactory):
    """A row owned by a workspace: a new one unless the test passes `workspace`."""

    class Meta:
        abstract = True

    workspace = factory.SubFactory(WorkspaceFactory)


def same_workspace():
    """For a SubFactory of a WorkspaceRowFactory: the related row is made in the row's workspace."""
    return factory.SelfAttribute("..workspace")


class WorkspaceMembershipFactory(WorkspaceRowFactory):
    class Meta:
        model = WorkspaceMembership

    user = factory.SubFactory(UserFactory)
    role = Role.OPERATOR


class TokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Token
        django_get_or_create = ["user"]

    user = factory.SubFactory(UserFactory)
