-- Checkout (a random fingerprint of DEVICES devices) on LICENSE_ID; every granted lease is
-- released by the next request of the same thread (in practice the same connection: wrk asks
-- for a connection's next request right after handing its response to response()).
local pending = {}
function init(args)
  math.randomseed(os.time() * 1000 + id * 7919)
end
function request()
  local lease = table.remove(pending)
  if lease then
    return wrk.format("POST", "/client/v1/seats/" .. lease .. "/release", nil, nil)
  end
  local fp = string.format("bench-fp-%04d", math.random(0, DEVICES - 1))
  return wrk.format("POST", "/client/v1/seats/checkout", nil,
    '{"licenseId":"' .. LICENSE_ID .. '","fingerprint":"' .. fp .. '"}')
end
function response(status, headers, body)
  if status == 201 then
    local lease = body:match('"leaseId":"([%x%-]+)"')
    if lease then
      granted = granted + 1
      pending[#pending + 1] = lease
    end
  elseif status == 409 then -- NO_SEAT_AVAILABLE
    denied = denied + 1
  end
end
