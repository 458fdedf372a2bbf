import datetime as dt

import factory
from django.utils import timezone

from content.models import (
    AbcScript,
    ContentItem,
    ContentTag,
    Faq,
    LibraryImage,
    Post,
    Sop,
    SopApplication,
    SopStep,
)
from tests.groups.factories import CommunityFactory
from tests.suo.factories import WorkspaceRowFactory, same_workspace


class ContentItemFactory(WorkspaceRowFactory):
    class Meta:
        model = ContentItem

    title = factory.Sequence(lambda n: f"内容{n}")
    body = "今晚 8 点开播，福利多多！"
    category = "promotion"
    method = "original"
    status = "approved"


class ContentTagFactory(WorkspaceRowFactory):
    class Meta:
        model = ContentTag

    name = factory.Sequence(lambda n: f"标签{n}")


class LibraryImageFactory(WorkspaceRowFactory):
    class Meta:
        model = LibraryImage

    file = "content/demo.png"
    format = "PNG"
    width = 10
    height = 10
    size_bytes = 100


class FaqFactory(WorkspaceRowFactory):
    class Meta:
        model = Faq

    question = factory.Sequence(lambda n: f"怎么退款{n}？")
    answer = "联系客服即可。"


class AbcScriptFactory(WorkspaceRowFactory):
    class Meta:
        model = AbcScript

    title = factory.Sequence(lambda n: f"剧本{n}")


class PostFactory(WorkspaceRowFactory):
    class Meta:
        model = Post

    item = factory.SubFactory(ContentItemFactory, workspace=same_workspace())
    scheduled_at = factory.LazyFunction(timezone.now)


class SopFactory(WorkspaceRowFactory):
    class Meta:
        model = Sop

    name = factory.Sequence(lambda n: f"SOP {n}")


class SopStepFactory(WorkspaceRowFactory):
    class Meta:
        model = SopStep

    sop = factory.SubFactory(SopFactory, workspace=same_workspace())
    order = 1
    time = dt.time(9, 0)
    role = "operator"
    action = "发早安问候"


class SopApplicationFactory(WorkspaceRowFactory):
    class Meta:
        model = SopApplication

    sop = factory.SubFactory(SopFactory, workspace=same_workspace())
    community = factory.SubFactory(CommunityFactory, workspace=same_workspace())
    start_date = factory.LazyFunction(lambda: timezone.now().date())
