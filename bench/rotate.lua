-- GET one path with many voters' session cookies in turn (the signed-in
-- baseline), or anonymously with the htmx headers given (reads).
-- args: path, sessions file ("-" for none), extra header "Name: value" or "-"
function init(args)
  path = args[1]
  sessions = {}
  if args[2] ~= "-" then
    for line in io.lines(args[2]) do sessions[#sessions + 1] = line:match("(%S+)") end
  end
  extra = {}
  if args[3] and args[3] ~= "-" then
    for name, value in args[3]:gmatch("([%w-]+): ([^;]+)") do extra[name] = value end
  end
  n = 0
end

function request()
  n = n + 1
  local headers = {}
  for k, v in pairs(extra) do headers[k] = v end
  if #sessions > 0 then headers["Cookie"] = "sessionid=" .. sessions[(n % #sessions) + 1] end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  io.write(string.format("p95 %.3fms\n", latency:percentile(95.0) / 1000.0))
end
