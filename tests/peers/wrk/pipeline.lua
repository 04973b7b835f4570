-- wrk script: every write carries a pipelined batch of requests over several routes (GET /,
-- GET /json, GET /bytes, POST /echo), so the server must parse back-to-back requests in one
-- read and answer them in order. wrk counts each response; a reply it cannot parse shows up as
-- a read error, a wrong status as a "Non-2xx or 3xx" response.
local batch

init = function(args)
  local requests = {
    wrk.format("GET", "/"),
    wrk.format("GET", "/json"),
    wrk.format("GET", "/bytes?n=1000"),
    wrk.format("POST", "/echo", { ["Content-Type"] = "text/plain" }, "pipelined by wrk"),
    wrk.format("GET", "/"),
    wrk.format("GET", "/json"),
    wrk.format("GET", "/bytes?n=1"),
    wrk.format("POST", "/echo", { ["Content-Type"] = "text/plain" }, ""),
  }
  batch = table.concat(requests)
end

request = function()
  return batch
end
