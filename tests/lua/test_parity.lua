-- Parity: every public name of the Python package has its Lua twin, by the rule of
-- docs/lua.md: the same name, except that `x_sync` maps to `x` (the Lua binding is
-- synchronous) and the async-only names below have no twin. The names come from the
-- built Python package itself (parity_names.py), so a name added there and not here fails.
local T = require "testkit"
local rk = require "ringkernel"

-- Deliberate exceptions, each with its reason.
local NO_TWIN = {
  ["RingKernel.serve_async"] = "async-only: Lua scripts have no event loop; rt:serve() " ..
                               "is the loop",
}

local python = os.getenv("RK_PYTHON") or "python3"
local pythonpath = os.getenv("RK_PYTHONPATH")
if not pythonpath then T.skip("RK_PYTHONPATH not set: the Python package was not built") end

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local cmd = string.format("PYTHONPATH=%q %q %q 2>&1", pythonpath, python,
                          here .. "parity_names.py")
local pipe = assert(io.popen(cmd))
local lines = {}
for line in pipe:lines() do lines[#lines + 1] = line end
local ok = pipe:close()
if not ok or #lines < 50 then
  T.skip("the Python package did not load: " .. table.concat(lines, "\n"):sub(1, 400))
end

-- The Lua table for a Python owner "Name" or "module.Name".
local function lua_owner(owner)
  local sub, name = owner:match("^(%w+)%.(.+)$")
  if sub then return rk[sub] and rk[sub][name] end
  return rk[owner]
end

local member_sets = {}
local function members_of(owner)
  if member_sets[owner] == nil then
    local t = lua_owner(owner)
    local set = false
    if type(t) == "table" then
      set = {}
      for _, n in ipairs(rk.members(t)) do set[n] = true end
    end
    member_sets[owner] = set
  end
  return member_sets[owner]
end

local function twin_name(name)
  return (name:gsub("_sync$", ""))
end

local missing = { top = {}, sub = {}, member = {} }
local counts = { top = 0, sub = 0, member = 0 }

for _, line in ipairs(lines) do
  local kind, a, b = line:match("^(%w+)\t([^\t]+)\t([^\t]+)$")
  if kind then counts[kind] = counts[kind] + 1 end
  if kind == "top" then
    -- Python's None (CudaDevice without CUDA support) is false in Lua: present, not nil
    if rk[a] == nil then missing.top[#missing.top + 1] = a .. " (" .. b .. ")" end
  elseif kind == "sub" then
    if type(rk[a]) ~= "table" or rk[a][b] == nil then
      missing.sub[#missing.sub + 1] = a .. "." .. b
    end
  elseif kind == "member" then
    local key = a .. "." .. b
    local set = members_of(a)
    if not NO_TWIN[key] and (not set or not set[twin_name(b)]) then
      missing.member[#missing.member + 1] = key
    end
  end
end

T.case("the Python package was listed", function()
  T.truthy(counts.top >= 50, "top-level names: " .. counts.top)
  T.truthy(counts.sub >= 50, "submodule names: " .. counts.sub)
  T.truthy(counts.member >= 300, "members: " .. counts.member)
end)

T.case("every top-level name has a Lua twin", function()
  T.eq(table.concat(missing.top, ", "), "")
end)

T.case("every submodule name has a Lua twin", function()
  T.eq(table.concat(missing.sub, ", "), "")
end)

T.case("every class member has a Lua twin", function()
  T.eq(table.concat(missing.member, ", "), "")
end)

T.case("the deliberate exceptions are still Python names", function()
  local listed = {}
  for _, line in ipairs(lines) do
    local a, b = line:match("^member\t([^\t]+)\t([^\t]+)$")
    if a then listed[a .. "." .. b] = true end
  end
  for key in pairs(NO_TWIN) do T.truthy(listed[key], key .. " is listed by Python") end
end)

T.done()
