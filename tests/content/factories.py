import factory

from content.models import ContentItem
from tests.suo.factories import WorkspaceFactory


class ContentItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContentItem

    workspace = factory.SubFactory(WorkspaceFactory)
    title = factory.Sequence(lambda n: f"内容{n}")
    body = "今晚 8 点开播，福利多多！"
    category = "promotion"
    method = "original"
    status = "approved"
