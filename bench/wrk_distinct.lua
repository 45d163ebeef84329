-- A reader exploring the data: every request a filter nobody asked for before. A random date
-- window within the synthetic data's five years (2021 to 2025) and, each at even odds, a sector,
-- an actor and a claim status. Prints one JSON object with the answers of 400 or more.
--
--   wrk -t2 -c8 -d30s --timeout 30s -s bench/wrk_distinct.lua http://127.0.0.1:8000
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local sectors = {
  "chaman-spin-boldak", "zhob-paktika", "waziristan-paktika-khost", "kurram-paktia-khost",
  "khyber-nangarhar", "mohmand-bajaur-kunar", "chitral-nuristan-badakhshan",
}
local actors = {
  "pakistan-state-forces", "pakistan-army", "frontier-corps", "pakistan-police",
  "afghan-taliban", "ttp", "iskp", "civilians-pakistan", "civilians-afghanistan",
}
local statuses = { "unverified", "corroborated", "disputed", "denied", "retracted" }

function init(args)
  failed = 0
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

local function day(n)
  -- n days after 2021-01-01, as YYYY-MM-DD.
  return os.date("!%Y-%m-%d", 1609459200 + n * 86400)
end

function request()
  local first = math.random(0, 5 * 365 - 8)
  local length = math.random(7, 365)
  local path = "/incidents?from=" .. day(first) .. "&to=" .. day(first + length)
  if math.random(2) == 1 then path = path .. "&sector=" .. sectors[math.random(#sectors)] end
  if math.random(2) == 1 then path = path .. "&actor=" .. actors[math.random(#actors)] end
  if math.random(2) == 1 then path = path .. "&status=" .. statuses[math.random(#statuses)] end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status >= 400 then failed = failed + 1 end
end

function done(summary, latency, requests)
  local errors = 0
  for _, thread in ipairs(threads) do errors = errors + thread:get("failed") end
  io.write(string.format(
    '{"requests": %d, "seconds": %.1f, "requests_per_second": %.1f, "p50_ms": %.1f,'
      .. ' "p95_ms": %.1f, "p99_ms": %.1f, "errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errors, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
