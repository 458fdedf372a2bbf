"""Bounds shared by the API's input serializers."""

# The largest value an integer column holds on every supported database (PostgreSQL `integer`):
# a bigger number must be a 400 that names the field, never a database error.
DB_INT_MAX = 2_147_483_647
