-- wrk's script for scripts/ops/soak: the fleet-load mix (pages, JSON reads, one vote in four, each
-- vote with an Idempotency-Key of its own), each connection pausing SOAK_DELAY_MS between
-- requests, which is how the soak holds its rate. SOAK_QUESTION and SOAK_CHOICES (ids,
-- comma-separated) name what is voted on.
local question = os.getenv("SOAK_QUESTION") or "1"
local delay_ms = tonumber(os.getenv("SOAK_DELAY_MS") or "0")
local choices = {}
for id in string.gmatch(os.getenv("SOAK_CHOICES") or "1", "[^,]+") do choices[#choices + 1] = id end
local paths = {"/", "/questions/" .. question, "/api/questions/" .. question,
               "/questions/" .. question .. "/results", "/api/questions"}
local step = 0
local votes = "/api/questions/" .. question .. "/votes"

function setup(thread)
    thread:set("seed", math.random(1, 1073741823))
end

function init(args)
    math.randomseed(seed or os.time())
end

function request()
    step = step + 1
    if step % 4 == 0 then
        local choice = choices[math.floor(step / 4) % #choices + 1]
        local key = string.format("soak-%08x%08x%08x", math.random(0, 2147483647), math.random(0, 2147483647), step)
        return wrk.format("POST", votes, {["Content-Type"] = "application/json", ["Idempotency-Key"] = key},
            '{"choice_id": ' .. choice .. '}')
    end
    return wrk.format("GET", paths[step % #paths + 1])
end

function delay()
    return delay_ms
end
