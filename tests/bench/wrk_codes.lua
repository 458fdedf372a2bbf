-- Short-link traffic for wrk: each request asks for a code out of the file named by CODES_FILE,
-- uniformly (BENCH_SHAPE=uniform) or Zipf-skewed (BENCH_SHAPE=zipf, exponent ZIPF_S, default 1.1:
-- the code on line k is drawn with weight 1/k^s, so a few hot links and a long tail), from a
-- per-thread generator seeded with BENCH_SEED and the thread's number (the same draw every run).
-- It sends what a TLS-terminating proxy adds (X-Forwarded-Proto: https, X-Forwarded-For), counts
-- the responses by status and prints one machine-readable line at the end (BENCH_RESULT ...).
local codes = {}
local cdf = nil
local ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local function zipf_cdf(n, s)
  local sums, total = {}, 0
  for k = 1, n do
    total = total + k ^ -s
    sums[k] = total
  end
  for k = 1, n do sums[k] = sums[k] / total end
  return sums
end

function init(args)
  for line in io.lines(os.getenv("CODES_FILE")) do codes[#codes + 1] = line end
  if (os.getenv("BENCH_SHAPE") or "uniform") == "zipf" then
    cdf = zipf_cdf(#codes, tonumber(os.getenv("ZIPF_S") or "1.1"))
  end
  math.randomseed(tonumber(os.getenv("BENCH_SEED") or "7") * 1000 + id)
  s302, s3xx, other = 0, 0, 0
end

local function pick()
  if not cdf then return codes[math.random(1, #codes)] end
  local u, lo, hi = math.random(), 1, #cdf
  while lo < hi do -- the first rank whose cumulative share reaches u
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return codes[lo]
end

function request()
  return wrk.format("GET", "/" .. pick(), {
    ["User-Agent"] = ua,
    ["X-Forwarded-Proto"] = "https",
    ["X-Forwarded-For"] = "198.51.100." .. math.random(1, 250),
  })
end

function response(status, headers, body)
  if status == 302 then
    s302 = s302 + 1
  elseif status >= 300 and status < 400 then
    s3xx = s3xx + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local r302, r3xx, rother = 0, 0, 0
  for _, thread in ipairs(threads) do
    r302 = r302 + thread:get("s302")
    r3xx = r3xx + thread:get("s3xx")
    rother = rother + thread:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d "
      .. "s302=%d s3xx=%d other=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, r302, r3xx, rother,
    e.connect, e.read, e.write, e.status, e.timeout
  ))
end
