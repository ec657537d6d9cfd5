-- Shared by every scenario script of the bench (bench/load.ts prepends the scenario's constants
-- and appends its request/response functions). done() prints one machine-readable line.
local threads = {}
granted = 0
denied = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local g, d = 0, 0
  for _, t in ipairs(threads) do
    g = g + (t:get("granted") or 0)
    d = d + (t:get("denied") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,"granted":%d,"denied":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status, g, d))
end
