-- Vote storm through the browser path: each request is the htmx POST of the
-- vote widget with a voter's session cookie and the CSRF token, in the order
-- of a generated plan ("<sessionid> <case id>" per line; the lines of one
-- voter are spread across the plan, as real voters come back over time).
-- args: plan file, wrk threads, campaign id, csrf secret
local threads = {}
local created = 0

function setup(thread)
  created = created + 1
  thread:set("id", created)
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  plan_path = path
  campaign, secret = args[3], args[4]
  plan = {}
  local index = 0
  for line in io.lines(path) do
    if index % nthreads == id - 1 then
      local sid, case = line:match("(%S+) (%S+)")
      plan[#plan + 1] = { sid, case }
    end
    index = index + 1
  end
  sent, received, outcomes = 0, 0, {}
end

function request()
  sent = sent + 1
  local item = plan[((sent - 1) % #plan) + 1]
  local headers = {
    ["Cookie"] = "sessionid=" .. item[1] .. "; csrftoken=" .. secret,
    ["X-CSRFToken"] = secret,
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  local body = "token=" .. item[1]:sub(1, 12) .. "-" .. id .. "-" .. sent .. "&compact=1&oob=1"
  return wrk.format("POST", "/voting/vote/" .. campaign .. "/" .. item[2] .. "/", headers, body)
end

function response(status, headers, body)
  received = received + 1
  -- granian sends header names in lower case
  local outcome = headers["x-vote-outcome"] or headers["X-Vote-Outcome"] or ("http_" .. status)
  outcomes[outcome] = (outcomes[outcome] or 0) + 1
  if received == #plan then
    -- This thread's share is done: tell the runner (which stops wrk with
    -- SIGINT once every thread is done) and stop sending if wrk allows it.
    local marker = io.open(plan_path .. ".done-" .. id, "w")
    if marker then marker:close() end
    pcall(function() wrk.thread:stop() end)
  end
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local got = thread:get("outcomes")
    for key, value in pairs(got) do
      totals[key] = (totals[key] or 0) + value
    end
  end
  for key, value in pairs(totals) do
    io.write(string.format("outcome %s %d\n", key, value))
  end
  io.write(string.format("p95 %.3fms\n", latency:percentile(95.0) / 1000.0))
end
