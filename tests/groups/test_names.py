"""One name per thing: a group's chat platform is not a visitor's platform."""

import groups.models
from groups.models import ChatPlatform, Community, Member


def test_the_chat_platform_of_groups_and_members_is_called_chat_platform():
    assert not hasattr(groups.models, "Platform")
    for model in (Community, Member):
        assert model._meta.get_field("platform").choices == ChatPlatform.choices
