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

    def include_extra_kwargs(self, kwargs, extra_kwargs):
        # DRF drops allow_blank from a read-only field; keep it, so that the schema says a field the
        # model allows blank ("" = the default, e.g. `antiblock`) may be answered blank.
        allow_blank = kwargs.get("allow_blank", False)
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if allow_blank:
            kwargs["allow_blank"] = True
        return kwargs
