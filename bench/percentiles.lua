-- Adds p95 to wrk's report (wrk prints 50/75/90/99 only).
done = function(summary, latency, requests)
  io.write(string.format("p95 %.3fms\n", latency:percentile(95.0) / 1000.0))
end
