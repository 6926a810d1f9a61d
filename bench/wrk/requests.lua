-- wrk script of bench/ratios.py: one request kind per run, per-request cookies and CSRF.
--   wrk -t2 -c20 -d10s -s bench/wrk/requests.lua URL -- KIND DATA.lua THREADS
-- DATA.lua (written by ratios.py) sets the global DATA: participants (cookie header and CSRF
-- token each), idea ids, paths, the staff cookie. Each wrk thread plays its own share of the
-- participants, so two threads never vote for the same person.
-- Votes alternate targets so that every one of them really writes: the k-th vote of a person
-- sets an idea to 1 dot, the next sets it back to 0, then the next idea, and so on (never over
-- the budget or the cap, so every answer is a 200).

local counter = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  kind = args[1]
  dofile(args[2])
  local nthreads = tonumber(args[3])
  mine = {}
  for i, person in ipairs(DATA.people) do
    if (i - 1) % nthreads == thread_id then
      table.insert(mine, {cookie = person.cookie, csrf = person.csrf, votes = 0, offset = i})
    end
  end
end

local function form_headers(person)
  return {
    ["Cookie"] = person.cookie,
    ["HX-Request"] = "true",
    ["X-CSRFToken"] = person.csrf,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
end

function request()
  counter = counter + 1
  if kind == "hello" then
    return wrk.format("GET", "/")
  end
  local person = mine[(counter % #mine) + 1]
  if kind == "vote" then
    local k = person.votes
    person.votes = k + 1
    local idea = DATA.ideas[((person.offset + math.floor(k / 2)) % #DATA.ideas) + 1]
    local dots = (k % 2 == 0) and 1 or 0
    local body = "csrf_token=" .. person.csrf .. "&dots=" .. dots .. "&back=challenge"
    return wrk.format("POST", string.format(DATA.paths.vote, idea), form_headers(person), body)
  elseif kind == "challenge" or kind == "forum" then
    return wrk.format("GET", DATA.paths[kind], {["Cookie"] = person.cookie})
  elseif kind == "phase" then
    return wrk.format("GET", DATA.paths.phase, {
      ["Cookie"] = person.cookie, ["HX-Request"] = "true", ["X-CSRFToken"] = person.csrf,
      ["HX-Trigger"] = "phase-watch", ["HX-Current-URL"] = DATA.paths.challenge_url,
    })
  elseif kind == "projector" then
    return wrk.format("GET", DATA.paths.projector, {
      ["HX-Request"] = "true", ["HX-Trigger"] = "screen-live",
      ["HX-Target"] = "screen-live", ["HX-Current-URL"] = DATA.paths.screen_url,
    })
  elseif kind == "results" then
    return wrk.format("GET", DATA.paths.results, {["Cookie"] = DATA.staff_cookie})
  end
  error("unknown kind " .. tostring(kind))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max))
end
