-- The term page: what `llmops.termPage` returns (definition, aliases,
-- related terms, exercises and their status) in a read-only float. Related
-- terms and exercises are listed with the command that opens them.
local llmops = require("llmops")
local ui = require("llmops.ui")

local M = {}

local state_names = { new = "new", learning = "learning", due = "review due", known = "known" }

--- The page's items (`{ text, hl }`) for a termPage result.
function M.items(page)
  local items = {}
  local function add(text, hl, prefix, hang)
    table.insert(items, { text, hl, prefix = prefix, hang = hang })
  end
  local v = llmops.value
  local facts = {}
  if v(page.moduleName) or v(page.module) then
    table.insert(facts, "Module: " .. (v(page.moduleName) or page.module))
  end
  if v(page.state) then
    table.insert(facts, "State: " .. (state_names[page.state] or page.state))
  end
  add(page.name, "Title")
  if #facts > 0 then
    add(table.concat(facts, " · "), "Comment")
  end
  local aliases = v(page.aliases) or {}
  if #aliases > 0 then
    add("Also: " .. table.concat(aliases, ", "), "Comment")
  end
  add("")
  add(page.definition)
  for _, example in ipairs(v(page.examples) or {}) do
    add(example, "Comment", "   e.g. ", "        ")
  end
  local avoid = v(page.avoid) or {}
  if #avoid > 0 then
    add("Team vocabulary: not " .. table.concat(avoid, ", "), "Comment")
  end
  local related = v(page.related) or {}
  if #related > 0 then
    add("")
    add("Related terms (:LlmopsTerm <id>)", "Title")
    for _, r in ipairs(related) do
      add(("%s (%s)"):format(r.name, r.id), nil, "   • ", "     ")
    end
  end
  local exercises = v(page.exercises) or {}
  add("")
  add("Exercises (:LlmopsExercise <id>)", "Title")
  if #exercises == 0 then
    add("none", "Comment", "   ")
  end
  for _, e in ipairs(exercises) do
    local status = e.completed and "completed" or ((e.attempts or 0) > 0 and "tried" or "not tried")
    add(("[%s] %s · %s (%s)"):format(e.completed and "x" or " ", e.id, e.title, status), e.completed and "DiagnosticOk" or nil, "   ", "       ")
  end
  return items
end

--- Fetches a term's page and shows it.
--- @param arg table `{ termId = id }`
function M.open(arg, client_id)
  llmops.run("llmops.termPage", { arg }, function(page)
    M.state = { page = page }
    M.state.win, M.state.buf = ui.page(page.name, M.items(page), "llmops_term")
  end, client_id)
end

return M
