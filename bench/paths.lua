-- GET the paths of a file (one a line) in turn; adds p95 to wrk's report.
-- args: paths file
function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  n = 0
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end

function done(summary, latency, requests)
  io.write(string.format("p95 %.3fms\n", latency:percentile(95.0) / 1000.0))
end
