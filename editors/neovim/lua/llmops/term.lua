-- The term page: what `llmops.termPage` returns (definition, aliases,
-- related terms, exercises and their status) in a read-only float. <CR> on
-- a related term follows it in the same float, <BS> (or <C-o>) goes back
-- to the page before; <CR> on an exercise opens it.
local llmops = require("llmops")
local ui = require("llmops.ui")

local M = {}

M.state = {}

local state_names = { new = "new", learning = "learning", due = "review due", known = "known" }

--- The page's items (`{ text, hl }`) for a termPage result.
function M.items(page)
  local items = {}
  local function add(text, hl, prefix, hang, action)
    table.insert(items, { text, hl, prefix = prefix, hang = hang, action = action })
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
    add("Related terms (<CR> follows)", "Title")
    for _, r in ipairs(related) do
      add(("%s (%s)"):format(r.name, r.id), nil, "   • ", "     ", { term = r.id })
    end
  end
  local exercises = v(page.exercises) or {}
  add("")
  add("Exercises (<CR> opens)", "Title")
  if #exercises == 0 then
    add("none", "Comment", "   ")
  end
  for _, e in ipairs(exercises) do
    local status = e.completed and "completed" or ((e.attempts or 0) > 0 and "tried" or "not tried")
    add(
      ("[%s] %s · %s (%s)"):format(e.completed and "x" or " ", e.id, e.title, status),
      e.completed and "DiagnosticOk" or nil,
      "   ",
      "       ",
      { exercise = e.id }
    )
  end
  return items
end

-- The keys that go back to the page before, named in the footer by the first.
M.back_keys = { "<BS>", "<C-o>" }

local function hint()
  local back = #(M.state.history or {}) > 0 and (" · %s back"):format(M.back_keys[1]) or ""
  return "<CR> open" .. back
end

-- Shows `page` in the open term float, or opens one; the cursor goes to
-- related term `focus` (the page just left, on the way back) or the top.
local function show(page, focus)
  local st = M.state
  local function place()
    st.view:focus(function(action)
      return focus ~= nil and action.term == focus
    end, 1)
  end
  if st.view and st.view:valid() then
    st.view:set(page.name, M.items(page), hint())
    return place()
  end
  local back = function()
    M.back()
  end
  local keys = {}
  for _, lhs in ipairs(M.back_keys) do
    keys[lhs] = back
  end
  st.view = ui.page(page.name, M.items(page), "llmops_term", {
    hint = hint(),
    keys = keys,
    enter = function(view, action)
      if action.term then
        return M.follow(action.term)
      end
      view:close()
      require("llmops.exercise").open({ exerciseId = action.exercise }, st.client_id)
    end,
  })
  st.win, st.buf = st.view.win, st.view.buf
  place()
end

-- Fetches a term's page and shows it; `history` is the stack of pages to go
-- back to (empty for a page opened by a command); `focus` as for show().
local function fetch(arg, client_id, history, focus)
  llmops.run("llmops.termPage", { arg }, function(page, client)
    local st = M.state
    st.page, st.history, st.client_id = page, history, client.id
    show(page, focus)
  end, client_id)
end

--- Fetches a term's page and shows it.
--- @param arg table `{ termId = id }`
function M.open(arg, client_id)
  if M.state.view then
    M.state.view:close()
  end
  M.state.view = nil
  fetch(arg, client_id, {})
end

--- Follows a related term in the open page; the current one goes on the
--- history for M.back().
function M.follow(term_id)
  local st = M.state
  local history = vim.list_extend({}, st.history or {})
  if st.page then
    table.insert(history, st.page.id)
  end
  fetch({ termId = term_id }, st.client_id, history)
end

--- Back to the page the current one was followed from, if any.
function M.back()
  local st = M.state
  local history = vim.list_extend({}, st.history or {})
  local previous = table.remove(history)
  if not previous then
    return llmops.notify("no earlier term page")
  end
  fetch({ termId = previous }, st.client_id, history, st.page and st.page.id)
end

return M
