-- wrk script of the bench's HTTP load figures (bench/src/http.rs). Every request carries
-- `Authorization: Bearer <token>`, the next token of this thread's share of a token file, so
-- the load spreads over many users and every figure costs wrk the same Lua work per request.
--   wrk ... -s load.lua URL -- TOKENS_FILE THREADS METHOD PATH [write]
-- With `write`, the body is a coord vehicle whose plate changes with every request.
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  local all = {}
  for line in io.lines(args[1]) do
    if #line > 0 then all[#all + 1] = line end
  end
  local count = tonumber(args[2])
  mine = {}
  for i, token in ipairs(all) do
    if (i - 1) % count == id then mine[#mine + 1] = "Bearer " .. token end
  end
  if #mine == 0 then mine[1] = "Bearer none" end
  method = args[3]
  path = args[4]
  write = args[5] == "write"
  n = 0
end

function request()
  n = n + 1
  local headers = { ["Authorization"] = mine[(n % #mine) + 1] }
  local body = nil
  if write then
    headers["Content-Type"] = "application/json"
    body = string.format('{"license_plate":{"text":"B%d-%d","country":"us"}}', id, n % 100000000)
  end
  return wrk.format(method, path, headers, body)
end
