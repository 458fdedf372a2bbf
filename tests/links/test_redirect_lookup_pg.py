"""The redirect's lookup on PostgreSQL: a prepared read past Django's cursor, so it must survive
a connection that the server dropped on its own."""

import os

import psycopg
import pytest
from django.db import connection

from links.selectors import link_for_fast_redirect
from tests.links.factories import LinkFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("DATABASE_URL" not in os.environ, reason="runs on the embedded SQLite"),
]


def test_a_connection_the_server_dropped_is_replaced_and_the_link_still_found():
    link = LinkFactory()
    assert link_for_fast_redirect(link.code).pk == link.pk
    backend = connection.connection.info.backend_pid
    params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    with psycopg.connect(**params) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])

    assert link_for_fast_redirect(link.code).pk == link.pk
    assert connection.connection.info.backend_pid != backend
