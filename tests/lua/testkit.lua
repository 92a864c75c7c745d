-- testkit.lua — the assertion kit every Lua test shares.
--
-- A test file defines cases with T.case(name, fn) and ends with T.done(), which exits 0
-- when every case passed, 1 otherwise (77 after T.skip(reason)). A failed check reports
-- file:line and both values, fails its case and the case moves on to the next one.
local T = {}

local failures, current = 0, nil

local function where(level)
  local info = debug.getinfo(level + 1, "Sl")
  return info.short_src .. ":" .. tostring(info.currentline)
end

local function fail(level, msg)
  error({ testkit_failure = true, text = where(level + 1) .. ": " .. msg }, 0)
end

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

function T.eq(got, want, what)
  if got ~= want then
    fail(2, (what and (what .. ": ") or "") .. "got " .. show(got) .. ", want " .. show(want))
  end
end

function T.near(got, want, tol, what)
  if type(got) ~= "number" or math.abs(got - want) > tol then
    fail(2, (what or "value") .. ": got " .. show(got) .. ", want " .. show(want) .. " ± " .. tol)
  end
end

function T.truthy(v, what)
  if not v then fail(2, (what or "condition") .. " is " .. show(v)) end
end

-- Calls fn(...) and checks it raised an error value of `kind` (or a kind below it),
-- whose message contains `fragment` (plain text, optional). Returns the error.
function T.raises(kind, fragment, fn, ...)
  local rk = require "ringkernel"
  local ok, err = pcall(fn, ...)
  if ok then fail(2, "expected " .. kind .. ", nothing was raised") end
  if not rk.is_error(err, kind) then
    fail(2, "expected " .. kind .. ", got " .. show(err))
  end
  if fragment and not string.find(err.message, fragment, 1, true) then
    fail(2, "message " .. show(err.message) .. " lacks " .. show(fragment))
  end
  return err
end

function T.case(name, fn)
  current = name
  local ok, err = xpcall(fn, function(e)
    if type(e) == "table" and e.testkit_failure then return e.text end
    return tostring(e) .. "\n" .. debug.traceback()
  end)
  if ok then
    print("PASS " .. name)
  else
    failures = failures + 1
    print("FAIL " .. name .. ": " .. err)
  end
  collectgarbage()
end

function T.skip(reason)
  print("SKIP: " .. reason)
  os.exit(77)
end

function T.done()
  print(failures == 0 and "all passed" or (failures .. " case(s) failed"))
  os.exit(failures == 0 and 0 or 1)
end

return T
