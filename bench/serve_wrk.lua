-- serve_wrk.lua -- wrk script for bench/serve_bench.sh: each request is
-- GET /search?q=QUERY&k=K (then $EXTRA, e.g. &count=0) for the next query of QUERIES (a qid<TAB>query
-- file), in turn, each wrk thread starting at its own place.
local queries, n, at = {}, 0, 0
local path, k = os.getenv("QUERIES"), os.getenv("K") or "10"
local extra = os.getenv("EXTRA") or ""
for line in io.lines(path) do
  local q = line:match("^[^\t]*\t(.*)$") or line
  if q ~= "" then n = n + 1; queries[n] = q end
end
local function enc(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
local id = 0
function setup(thread) id = id + 1; thread:set("start", id * 97) end
function init(args) at = (start or 0) % n end
function request()
  at = at % n + 1
  return wrk.format("GET", "/search?q=" .. enc(queries[at]) .. "&k=" .. k .. extra)
end
