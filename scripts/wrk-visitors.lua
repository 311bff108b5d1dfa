-- wrk: 1,000 browsers, each with its own visitor cookie, viewing the storefront home page.
math.randomseed(42)
local ids = {}
for i = 1, 1000 do
  ids[i] = string.format("%064x", i)
end
request = function()
  return wrk.format("GET", "/", { ["Cookie"] = "clientele_vid=" .. ids[math.random(1, 1000)] })
end
