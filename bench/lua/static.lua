-- One fixed request (METHOD, PATH, BODY); headers from wrk -H.
local req
function init(args)
  req = wrk.format(METHOD, PATH, nil, BODY)
end
function request()
  return req
end
