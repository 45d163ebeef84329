-- Mixed reading and writing for bench/soak.py: a reader's pages and partials, and one request in
-- ten a new incident through the API (the token is the script's argument). Counts the incidents
-- the app acknowledged (201) and any answer of 400 or more, and prints one JSON object.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local reads = {
  "/incidents",
  "/incidents?sector=chaman-spin-boldak",
  "/incidents?sector=waziristan-paktika-khost&from=2024-01-01&to=2024-12-31",
  "/incidents?actor=ttp&status=disputed",
  "/incidents?q=mortar",
  "/incidents?page=2",
  "/",
}

function init(args)
  token = args[1]
  created = 0
  failed = 0
  counter = 0
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  counter = counter + 1
  local roll = math.random(100)
  if roll <= 10 then
    local body = '{"title": "Load ' .. counter .. '", "date_start": "2025-10-15",'
      .. ' "event_type": "battles", "summary": "Saved under load.", "place": "chaman"}'
    return wrk.format("POST", "/api/v1/incidents",
      {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
  elseif roll <= 30 then
    return wrk.format("GET", "/incidents/" .. math.random(1, 20000))
  elseif roll <= 55 then
    return wrk.format("GET", reads[math.random(#reads)], {["HX-Request"] = "true"})
  end
  return wrk.format("GET", reads[math.random(#reads)])
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status >= 400 and status ~= 404 then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local total_created, total_failed = 0, 0
  for _, thread in ipairs(threads) do
    total_created = total_created + thread:get("created")
    total_failed = total_failed + thread:get("failed")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "created": %d, "failed": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, total_created, total_failed,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
