-- SPDX-License-Identifier: GPL-3.0-or-later
-- wrk script for bench/server/server-load: POSTs validate_oath_otp requests
-- to /api/v1, each with a code that is valid when it is sent (HOTP, from the
-- file server-load-prepare wrote), and counts the answers by errorCode.
--
-- Environment: LK_BENCH_CODES (file of "user code" lines), LK_BENCH_ACCOUNT,
-- LK_BENCH_KEY, LK_BENCH_THREADS (wrk -t). Thread k of n sends lines
-- k, k+n, k+2n ... so one device's consecutive codes are thousands of
-- requests apart and never in flight together. Once a thread runs out of
-- lines it starts again from its first: those answers are replays (9002),
-- and done() reports how many there were.

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("LK_BENCH_CODES")
  local account = os.getenv("LK_BENCH_ACCOUNT")
  local key = os.getenv("LK_BENCH_KEY")
  local n = tonumber(os.getenv("LK_BENCH_THREADS") or "1")
  local i = 0

  -- Whole requests are formatted here, once: wrk runs on the same two CPUs
  -- as latchkeyd, and formatting each request in request() cost it about
  -- a fifth of its CPU per request.
  local headers = { ["Content-Type"] = "application/json" }
  requests = {}
  for line in io.lines(path) do
    if i % n == id - 1 then
      local user, code = line:match("^(%S+) (%d+)$")
      local body = string.format(
        '{"type":"validate_oath_otp","spAccountLoginName":"%s","spAccountLoginKey":"%s",' ..
        '"username":"%s","otp":"%s"}', account, key, user, code)
      requests[#requests + 1] = wrk.format("POST", "/api/v1", headers, body)
    end
    i = i + 1
  end
  position = 0
  accepted = 0
  replays = 0
  invalid = 0
  other = 0
  http_errors = 0
end

function request()
  position = position + 1
  if position > #requests then
    position = 1
  end
  return requests[position]
end

function response(status, headers, body)
  if status ~= 200 then
    http_errors = http_errors + 1
    return
  end
  -- The common answer by a plain search; the pattern only for the rest.
  if body:find('"errorCode":0,', 1, true) == 2 then
    accepted = accepted + 1
    return
  end
  local code = body:match('"errorCode"%s*:%s*(%d+)')
  if code == "0" then
    accepted = accepted + 1
  elseif code == "9002" then
    replays = replays + 1
  elseif code == "9003" then
    invalid = invalid + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local totals = { accepted = 0, replays = 0, invalid = 0, other = 0, http_errors = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  io.write(string.format("answers: accepted=%d replays=%d invalid=%d other=%d http_errors=%d\n",
                         totals.accepted, totals.replays, totals.invalid, totals.other, totals.http_errors))
  io.write(string.format("latency_us: p50=%d p99=%d\n", latency:percentile(50), latency:percentile(99)))
end
