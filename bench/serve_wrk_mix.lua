-- serve_wrk_mix.lua -- wrk script for bench/serve_bench.sh --writes: as
-- serve_wrk.lua, but every WRITE_EVERY-th request (default 10) is a POST
-- /documents of one new document (id bench-RUN-THREAD-N, a line of text made
-- from the query), so searches run while the writer commits.
local queries, n, at = {}, 0, 0
local path, k = os.getenv("QUERIES"), os.getenv("K") or "10"
local every = tonumber(os.getenv("WRITE_EVERY") or "10")
local run = os.getenv("RUN") or "0"
for line in io.lines(path) do
  local q = line:match("^[^\t]*\t(.*)$") or line
  if q ~= "" then n = n + 1; queries[n] = q end
end
local function enc(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
local function jstr(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end
local id, count = 0, 0
function setup(thread) id = id + 1; thread:set("start", id * 97); thread:set("tid", id) end
function init(args) at = (start or 0) % n end
function request()
  at = at % n + 1
  count = count + 1
  if count % every == 0 then
    local body = '{"id":"bench-' .. run .. '-' .. (tid or 0) .. '-' .. count .. '","text":' ..
      jstr(queries[at] .. " written during the load test") .. '}\n'
    return wrk.format("POST", "/documents", {["Content-Type"] = "application/x-ndjson"}, body)
  end
  return wrk.format("GET", "/search?q=" .. enc(queries[at]) .. "&k=" .. k)
end
