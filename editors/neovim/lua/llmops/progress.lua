-- :LlmopsProgress: the standing, then one line per module with its counts,
-- folded. <CR> on a module opens or folds it (its exercises below it);
-- <CR> on an exercise opens it in the exercise float. Modules come from the
-- server (`llmops.progress` `modules`, `llmops.listExercises` `module`);
-- exercises without one are listed last. The course has hundreds of
-- exercises: a flat list of them all is a wall nobody reads.
local llmops = require("llmops")

local M = {}

-- Module ids the user opened, kept across :LlmopsProgress calls in a session.
M.open_modules = {}

local function plural(n, one, many)
  return ("%d %s"):format(n, n == 1 and one or many)
end

--- The modules with their exercises and counts, in the server's order.
--- @param p table llmops.progress result
--- @param list table llmops.listExercises result
function M.modules(p, list)
  local modules, by_id = {}, {}
  for _, m in ipairs(llmops.value(p.modules) or {}) do
    local entry = { id = m.id, name = m.name or m.id, completed = m.completed, total = m.total, exercises = {} }
    table.insert(modules, entry)
    by_id[m.id] = entry
  end
  local other = { id = "", name = #modules > 0 and "Other" or "Exercises", exercises = {} }
  for _, e in ipairs(list) do
    local m = by_id[llmops.value(e.module) or ""]
    table.insert((m or other).exercises, e)
  end
  if #other.exercises > 0 then
    table.insert(modules, other)
  end
  for _, m in ipairs(modules) do
    m.tried = 0
    local done = 0
    for _, e in ipairs(m.exercises) do
      if e.completed then
        done = done + 1
      elseif (e.attempts or 0) > 0 then
        m.tried = m.tried + 1
      end
    end
    m.completed = m.completed or done
    m.total = m.total or #m.exercises
  end
  return modules
end

--- The view's items (`{ text, hl, action = ... }`): the standing, then a
--- summary line per module ("▸ Latency 4 / 24 · 1 tried"), and under each
--- module in `open` (id -> true) its exercises.
function M.items(p, modules, open)
  local out = {
    {
      ("llmops: %d/%d exercises completed · %s known · %s due for review"):format(
        p.completed or 0,
        p.total or 0,
        plural(p.known or 0, "term", "terms"),
        plural(p.due or 0, "term", "terms")
      ),
      "Title",
    },
    { "" },
  }
  for _, m in ipairs(modules) do
    local unfolded = open[m.id] == true
    local line = ("%s %s %d / %d"):format(unfolded and "▾" or "▸", m.name, m.completed, m.total)
    if m.tried > 0 then
      line = line .. (" · %d tried"):format(m.tried)
    end
    table.insert(out, { line, "Title", action = { module = m.id } })
    if unfolded then
      for _, e in ipairs(m.exercises) do
        local row = ("[%s] %s · %s (%s)"):format(e.completed and "x" or " ", e.id, e.title, e.termName)
        if (e.attempts or 0) > 0 then
          row = row .. (", %s"):format(plural(e.attempts, "attempt", "attempts"))
        end
        -- Exercise rows wrap under their title, not under the box.
        table.insert(out, {
          row,
          e.completed and "DiagnosticOk" or "Normal",
          prefix = "   ",
          hang = "       ",
          action = { exercise = e.id },
        })
      end
    end
  end
  return out
end

local HINT = "<CR> open/fold"

-- <CR>: a module line folds or unfolds it (the cursor stays on it), an
-- exercise line closes the view and opens the exercise.
local function enter(view, client_id)
  return function(page, action)
    if action.exercise then
      page:close()
      return require("llmops.exercise").open({ exerciseId = action.exercise }, client_id)
    end
    M.open_modules[action.module] = not M.open_modules[action.module] or nil
    page:set(page.title, M.items(view.progress, view.modules, M.open_modules), HINT)
    page:focus(function(a)
      return a.module == action.module
    end)
  end
end

function M.show()
  llmops.run("llmops.progress", {}, function(p, client)
    llmops.execute(client, "llmops.listExercises", {}, function(err, list)
      if err then
        return llmops.notify(err.message, vim.log.levels.ERROR)
      end
      local view = { progress = p, modules = M.modules(p, list or {}) }
      local page = require("llmops.ui").page(
        "LLMOps progress",
        M.items(p, view.modules, M.open_modules),
        "llmops_progress",
        { hint = HINT, enter = enter(view, client.id) }
      )
      -- The cursor starts on the first module, ready for <CR>.
      page:focus(function(a)
        return a.module ~= nil
      end)
      M.page = page
    end)
  end)
end

return M
