"""A counted visit in one Redis round trip: prove the cached link current, claim the click limit,
append the visit to the buffer that links.capture.flush_click_buffer stores.

The script runs atomically in Redis, so the limit's counter is exact however many web workers
claim at once. It is seeded from the database's `capped_clicks` the first time a link with a
limit is visited (SET NX) and then owns the count: buffered visits carry `capped`, and the flush
adds them to `capped_clicks`, so the database catches up within a flush.
"""

from enum import IntEnum
from functools import lru_cache

from django.conf import settings
from redis.commands.core import Script

from links.link_cache import GLOBAL, token_key
from links.redis_line import run_script

# KEYS: global token, code token, buffer, limit counter
# ARGV: global token ('' skips the check), code token, visit ('' records nothing), limit (0: none), seed
_RECORD = """
if ARGV[1] ~= '' then
  local t = redis.call('MGET', KEYS[1], KEYS[2])
  if t[1] ~= ARGV[1] or t[2] ~= ARGV[2] then return 0 end
end
local limit = tonumber(ARGV[4])
if limit > 0 then
  redis.call('SET', KEYS[4], ARGV[5], 'NX')
  if tonumber(redis.call('GET', KEYS[4])) >= limit then return 2 end
  redis.call('INCR', KEYS[4])
end
if ARGV[3] ~= '' then redis.call('RPUSH', KEYS[3], ARGV[3]) end
return 1
"""


class Recorded(IntEnum):
    STALE = 0  # the cached link changed: read it again
    OK = 1
    FULL = 2  # the click limit is reached: nothing recorded


@lru_cache(maxsize=1)
def _script() -> Script:
    # No client of its own: each call names the current one (tests point it elsewhere).
    return Script(None, _RECORD.encode())  # type: ignore[arg-type]


def limit_key(link_id: int) -> str:
    return f"{settings.LINKS_CACHE_KEY}:limit:{link_id}"


def record(
    *, code: str, link_id: int, max_clicks: int | None, capped: int, payload: str, tokens: tuple[str, str]
) -> Recorded:
    """Run the script (EVALSHA on this thread's connection; loaded again if Redis lost it).
    `tokens` ("", "") skips the currency check: the caller read the link from the database."""
    keys = [token_key(GLOBAL), token_key(code), settings.LINKS_BUFFER_KEY, limit_key(link_id)]
    args: list[str | int] = [tokens[0], tokens[1], payload, max_clicks or 0, capped]
    return Recorded(run_script(_script(), keys=keys, args=args))
