-- wrk script: POST /api/v1/values, each request a new draft (distinct indicator × region × month),
-- as a signed-in coordinator. COOKIE and CSRF come from the environment; MAX bounds the count.
local cookie = os.getenv("COOKIE")
local csrf = os.getenv("CSRF")
local max = tonumber(os.getenv("MAX") or "10000")
local indicators = {"forest_coverage", "urban_sewage_treatment_rate", "air_good_days_ratio",
  "surface_water_good_ratio", "park_green_area_per_capita", "public_transport_share",
  "non_fossil_energy_share", "green_material_share"}
local regions = {"411700", "411702", "411721", "411722", "411723", "411724", "411725",
  "411726", "411727", "411728", "411729"}
local counter = 0
-- wrk runs one Lua state per thread; setup() numbers them through a global.
local threads = 0

function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function request()
  counter = counter + 1
  -- Interleave the threads' keys so no two requests write the same key (wrk -t2).
  local n = counter * 2 + (thread_id or 0)
  local ind = indicators[(n % #indicators) + 1]
  local reg = regions[(math.floor(n / #indicators) % #regions) + 1]
  local k = math.floor(n / (#indicators * #regions))
  local year = 2011 + math.floor(k / 12) % 20
  local month = (k % 12) + 1
  local body = string.format(
    '{"indicator":"%s","region":"%s","period":"%d-%02d","value":%d,"comment":"benchmark"}',
    ind, reg, year, month, 10 + (n % 80))
  return wrk.format("POST", "/api/v1/values", {
    ["Content-Type"] = "application/json",
    ["Cookie"] = cookie,
    ["X-CSRF-Token"] = csrf,
  }, body)
end

function response(status, headers, body)
  if status ~= 200 and status ~= 409 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
  if counter >= max then
    wrk.thread:stop()
  end
end
