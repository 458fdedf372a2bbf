import factory

from links.models import Link
from tests.suo.factories import WorkspaceFactory


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Link

    workspace = factory.SubFactory(WorkspaceFactory)
    code = factory.Sequence(lambda n: f"code{n:04d}")
    url = factory.Sequence(lambda n: f"https://example.com/page/{n}")
    title = factory.Sequence(lambda n: f"链接 {n}")
