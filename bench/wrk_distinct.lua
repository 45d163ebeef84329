-- A reader exploring the data: every request a filter nobody asked for before. A random date
-- window within the synthetic data's five years (2021 to 2025) and, each at even odds, a sector,
-- an actor and a claim status. Prints one JSON object with the answers of 400 or more.
--
--   wrk -t2 -c8 -d30s --timeout 30s -s bench/wrk_distinct.lua http://127.0.0.1:8000
--   ... -- app TOKEN      one request in ten a new incident through the API (the write mix)
--   ... -- datasette      the same filters as Datasette asks them, of the app's CSV export
--                         loaded by bench/run.py (a status becomes its "contested" column),
--                         with three plain facets and no suggestions: its cheapest way to
--                         answer, where the app's page has eight facets, a timeline and a map
--                         table
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
  mode = args[1] or "app"
  token = args[2]
  counter = 0
  failed = 0
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

local function day(n)
  -- n days after 2021-01-01, as YYYY-MM-DD.
  return os.date("!%Y-%m-%d", 1609459200 + n * 86400)
end

local contesting = { disputed = true, denied = true }

function request()
  counter = counter + 1
  if token and math.random(10) == 1 then
    local body = '{"title": "Written under load ' .. counter .. '", "date_start": "'
      .. day(math.random(0, 5 * 365 - 1)) .. '", "event_type": "battles",'
      .. ' "summary": "Saved while others read.", "place": "chaman"}'
    return wrk.format("POST", "/api/v1/incidents",
      {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
  end
  local first = math.random(0, 5 * 365 - 8)
  local length = math.random(7, 365)
  local sector = math.random(2) == 1 and sectors[math.random(#sectors)] or nil
  local actor = math.random(2) == 1 and actors[math.random(#actors)] or nil
  local status = math.random(2) == 1 and statuses[math.random(#statuses)] or nil
  local path
  if mode == "datasette" then
    path = "/incidents/incidents?date_end__gte=" .. day(first)
      .. "&date_start__lte=" .. day(first + length)
      .. "&_facet=sector&_facet=event_type&_facet=contested&_nosuggest=1"
    if sector then path = path .. "&sector=" .. sector end
    if actor then path = path .. "&actor_slugs__arraycontains=" .. actor end
    if status then path = path .. "&contested=" .. (contesting[status] and "True" or "False") end
  else
    path = "/incidents?from=" .. day(first) .. "&to=" .. day(first + length)
    if sector then path = path .. "&sector=" .. sector end
    if actor then path = path .. "&actor=" .. actor end
    if status then path = path .. "&status=" .. status end
  end
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
