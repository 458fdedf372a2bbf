"""Serializer bases shared by the API."""

from rest_framework import serializers

# No class docstring: the OpenAPI schema would show it as the description of every output.


class OutputSerializer(serializers.ModelSerializer):
    # What a model looks like in the answers: every field of Meta.fields is read-only (writes come
    # in through an input serializer and go to a service).

    def get_extra_kwargs(self):
        extra_kwargs = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra_kwargs[name] = {**extra_kwargs.get(name, {}), "read_only": True}
        return extra_kwargs
