import factory

from links.models import Link
from tests.suo.factories import WorkspaceRowFactory


class LinkFactory(WorkspaceRowFactory):
    class Meta:
        model = Link

    code = factory.Sequence(lambda n: f"code{n:04d}")
    url = factory.Sequence(lambda n: f"https://example.com/page/{n}")
    title = factory.Sequence(lambda n: f"链接 {n}")
