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


class ContentTagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContentTag

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"标签{n}")


class LibraryImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LibraryImage

    workspace = factory.SubFactory(WorkspaceFactory)
    file = "content/demo.png"
    format = "PNG"
    width = 10
    height = 10
    size_bytes = 100


class FaqFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Faq

    workspace = factory.SubFactory(WorkspaceFactory)
    question = factory.Sequence(lambda n: f"怎么退款{n}？")
    answer = "联系客服即可。"


class AbcScriptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AbcScript

    workspace = factory.SubFactory(WorkspaceFactory)
    title = factory.Sequence(lambda n: f"剧本{n}")


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    workspace = factory.SubFactory(WorkspaceFactory)
    item = factory.SubFactory(ContentItemFactory, workspace=factory.SelfAttribute("..workspace"))
    scheduled_at = factory.LazyFunction(timezone.now)


class SopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sop

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"SOP {n}")


class SopStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SopStep

    workspace = factory.SubFactory(WorkspaceFactory)
    sop = factory.SubFactory(SopFactory, workspace=factory.SelfAttribute("..workspace"))
    order = 1
    time = dt.time(9, 0)
    role = "operator"
    action = "发早安问候"


class SopApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SopApplication

    workspace = factory.SubFactory(WorkspaceFactory)
    sop = factory.SubFactory(SopFactory, workspace=factory.SelfAttribute("..workspace"))
    community = factory.SubFactory(CommunityFactory, workspace=factory.SelfAttribute("..workspace"))
    start_date = factory.LazyFunction(lambda: timezone.now().date())
