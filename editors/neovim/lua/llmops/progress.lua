-- :LlmopsProgress: the standing, then every module with its score and
-- exercises. Modules come from the server (`llmops.progress` `modules`,
-- `llmops.listExercises` `module`); exercises without one are listed last.
local llmops = require("llmops")

local M = {}

--- The lines of the report, each `{ text, highlight }`.
--- @param p table llmops.progress result
--- @param list table llmops.listExercises result
function M.lines(p, list)
  local function plural(n, one, many)
    return ("%d %s"):format(n, n == 1 and one or many)
  end
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
  }
  local modules, by_id = {}, {}
  for _, m in ipairs(llmops.value(p.modules) or {}) do
    local entry = { id = m.id, name = m.name or m.id, completed = m.completed, total = m.total, exercises = {} }
    table.insert(modules, entry)
    by_id[m.id] = entry
  end
  local other = { name = #modules > 0 and "Other" or "Exercises", exercises = {} }
  for _, e in ipairs(list) do
    local m = by_id[llmops.value(e.module) or ""]
    table.insert((m or other).exercises, e)
  end
  if #other.exercises > 0 then
    table.insert(modules, other)
  end
  for _, m in ipairs(modules) do
    local done = m.completed
    if done == nil then
      done = #vim.tbl_filter(function(e)
        return e.completed
      end, m.exercises)
    end
    table.insert(out, { "", "Normal" })
    table.insert(out, { ("%s %d / %d"):format(m.name, done, m.total or #m.exercises), "Title" })
    for _, e in ipairs(m.exercises) do
      local line = ("  [%s] %s · %s (%s)"):format(e.completed and "x" or " ", e.id, e.title, e.termName)
      if (e.attempts or 0) > 0 then
        line = line .. (", %s"):format(plural(e.attempts, "attempt", "attempts"))
      end
      table.insert(out, { line, e.completed and "DiagnosticOk" or "Normal" })
    end
  end
  return out
end

function M.show()
  llmops.run("llmops.progress", {}, function(p, client)
    llmops.execute(client, "llmops.listExercises", {}, function(err, list)
      if err then
        return llmops.notify(err.message, vim.log.levels.ERROR)
      end
      local items = M.lines(p, list or {})
      for _, item in ipairs(items) do
        -- Exercise rows wrap under their title, not under the box.
        if item[1]:find("^  %[") then
          item.prefix, item.hang = " ", "      "
        end
      end
      require("llmops.ui").page("LLMOps progress", items, "llmops_progress")
    end)
  end)
end

return M
