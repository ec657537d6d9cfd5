-- Requests over a list of "<bearer secret>\t<path>" lines (ENTRIES_FILE), in order, each thread
-- starting at its own offset: e.g. heartbeats spread over every live lease.
local entries = {}
for line in io.lines(ENTRIES_FILE) do
  local auth, path = line:match("^([^\t]*)\t(%S+)$")
  if path then entries[#entries + 1] = { auth, path } end
end
local n = 0
function init(args)
  n = math.floor((id - 1) * #entries / THREADS)
end
function request()
  n = n % #entries + 1
  local e = entries[n]
  if e[1] ~= "" then wrk.headers["Authorization"] = "Bearer " .. e[1] end
  return wrk.format(METHOD, e[2], nil, BODY)
end
