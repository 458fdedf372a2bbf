-- Each request asks for a random code out of the file named by CODES_FILE.
local codes = {}
local ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"

function setup(thread)
  thread:set("id", math.random(1, 1000000))
end

function init(args)
  for line in io.lines(os.getenv("CODES_FILE")) do codes[#codes + 1] = line end
  math.randomseed(os.time() + (id or 0))
end

function request()
  local path = "/" .. codes[math.random(1, #codes)]
  return wrk.format("GET", path, { ["User-Agent"] = ua, ["X-Forwarded-For"] = "198.51.100." .. math.random(1, 250) })
end
