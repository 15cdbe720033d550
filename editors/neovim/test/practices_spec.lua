-- Practices in Neovim (issue 19): in a project that depends on an LLM SDK,
-- a Python file gets practice hints; the hover explains one and names its
-- lesson; Learn opens the practice's exercise in the float; "Ignore this
-- practice here" writes the marker and the hint goes; "I know this
-- practice" hides it. Real Neovim, real llmops-lsp, the built-in practices
-- (content/builtin/practices.toml).
-- Run by test/run.sh:
--   nvim --headless -u test/minimal_init.lua -c "luafile test/practices_spec.lua"
local started = (vim.uv or vim.loop).hrtime() / 1e9
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local H = dofile(here .. "/helpers.lua")
local test, expect, wait = H.test, H.expect, H.wait

-- An LLM project: its requirements.txt names openai, and it is a git root
-- (the plugin's root marker), so the server sees the manifest.
local project = vim.fn.tempname() .. "/assistant"
vim.fn.mkdir(project .. "/.git", "p")
H.write(project .. "/requirements.txt", { "openai>=1.40" })
local app = H.write(project .. "/app.py", {
  "import json",
  "",
  "from openai import OpenAI",
  "",
  "client = OpenAI()",
  'reply = client.chat.completions.create(model="gpt-4o-2024-08-06", messages=messages)',
  "data = json.loads(reply.choices[0].message.content)",
})
local buf

-- The practice diagnostics of the buffer by rule id, once there are some.
local function practices(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == "llmops" and type(d.code) == "string" and d.code:find("^practice:") then
      found[d.code:sub(#"practice:" + 1)] = d
    end
  end
  return found
end

local function float_text()
  local f = H.float()
  return f and H.flat(f.lines) or ""
end

local function close_floats()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= "" then
      vim.api.nvim_win_close(win, true)
    end
  end
end

test("a practice hint in a Python file of an LLM project: its own code and data", function()
  vim.cmd.edit(app)
  buf = vim.api.nvim_get_current_buf()
  local found = wait("the practice hints", function()
    local p = practices(buf)
    return p["client-default-timeout"] and p
  end)
  local d = found["client-default-timeout"]
  expect(d.lnum == 4 and d.col == 9, "at %d:%d", d.lnum, d.col)
  expect(d.severity == vim.diagnostic.severity.HINT, "severity %s", tostring(d.severity))
  local data = d.user_data.lsp.data
  expect(
    data.kind == "practice" and data.practiceId == "client-default-timeout" and data.exerciseId == "practice-client-timeout-1",
    "data: %s",
    vim.inspect(data)
  )
  expect(found["dated-model-snapshot"], "no dated-model-snapshot hint: %s", vim.inspect(vim.tbl_keys(found)))
  expect(found["dated-model-snapshot"].lnum == 5, "dated snapshot on line %d", found["dated-model-snapshot"].lnum)
end)

H.bail_out_if_failed("no practice hints: is the server working?", started)

test("K on the practice: what it is and the lesson it opens", function()
  vim.api.nvim_win_set_cursor(0, { 5, 12 })
  vim.lsp.buf.hover()
  local text = wait("the hover", function()
    local t = float_text()
    return H.contains(t, "client-default-timeout") and t
  end)
  expect(H.contains(text, "practice"), "hover: %s", text)
  expect(H.contains(text, "Lesson:") and H.contains(text, "Request timeout"), "no lesson in the hover: %s", text)
  close_floats()
end)

test("Learn opens the practice's exercise in the float", function()
  vim.api.nvim_set_current_win(vim.fn.bufwinid(buf))
  vim.api.nvim_win_set_cursor(0, { 5, 12 })
  vim.lsp.buf.code_action({
    filter = function(action)
      return action.title:find("^Learn:") ~= nil
    end,
    apply = true,
  })
  local f = wait("the exercise float", function()
    local ex = require("llmops.exercise").state.exercise
    local f = H.float()
    return f and ex and ex.id == "practice-client-timeout-1" and H.contains(H.flat(f.lines), ex.question) and f
  end)
  -- The exercise's snippet (an SDK client built without a timeout) is shown.
  expect(H.contains(H.flat(f.lines), "OpenAI("), "no snippet: %s", H.flat(f.lines))
  require("llmops.exercise").close()
  wait("the float to close", function()
    return H.float() == nil
  end)
end)

test("Ignore this practice here: the marker is written and that hint goes, the others stay", function()
  vim.api.nvim_set_current_win(vim.fn.bufwinid(buf))
  vim.api.nvim_win_set_cursor(0, { 6, 50 })
  vim.lsp.buf.code_action({
    filter = function(action)
      return action.title == "Ignore this practice here"
    end,
    apply = true,
  })
  wait("the marker", function()
    return vim.api.nvim_buf_get_lines(buf, 5, 6, false)[1] == "# llmops: ignore-next-line dated-model-snapshot"
  end)
  -- Sync point: the json.loads hint has moved down a line with the marker,
  -- so this publication is the one after the edit.
  local found = wait("the hints after the edit", function()
    local p = practices(buf)
    local json = p["unvalidated-json-completion"]
    return json and json.lnum == 7 and p
  end)
  expect(found["dated-model-snapshot"] == nil, "the ignored practice still shows on line %s", found["dated-model-snapshot"] and found["dated-model-snapshot"].lnum)
  expect(found["client-default-timeout"], "the other practice went too")
end)

test("I know this practice: its hint goes, the other practices stay", function()
  vim.api.nvim_set_current_win(vim.fn.bufwinid(buf))
  vim.api.nvim_win_set_cursor(0, { 5, 12 })
  vim.lsp.buf.code_action({
    filter = function(action)
      return action.title:find("^I know this practice:") ~= nil
    end,
    apply = true,
  })
  -- The json.loads hint still there marks a publication, not an empty set.
  wait("the known practice's hint to go", function()
    local p = practices(buf)
    return p["unvalidated-json-completion"] and not p["client-default-timeout"]
  end)
end)

H.finish("practices", started)
