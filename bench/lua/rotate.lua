-- Requests over a list of "<bearer secret>\t<path>\t<body>" lines (ENTRIES_FILE; an empty body:
-- BODY), in order, each thread starting at its own offset: e.g. heartbeats spread over every live
-- lease, validations spread over many containers.
local entries = {}
for line in io.lines(ENTRIES_FILE) do
  local auth, path, body = line:match("^([^\t]*)\t(%S+)\t?(.*)$")
  if path then entries[#entries + 1] = { auth, path, body ~= "" and body or BODY } end
end
local n = 0
function init(args)
  n = math.floor((id - 1) * #entries / THREADS)
end
function request()
  n = n % #entries + 1
  local e = entries[n]
  if e[1] ~= "" then wrk.headers["Authorization"] = "Bearer " .. e[1] end
  return wrk.format(METHOD, e[2], nil, e[3])
end
