-- End to end: real Neovim, real llmops-lsp, a Markdown file with "TTFT".
-- Run by test/run.sh:
--   nvim --headless -u test/minimal_init.lua -c "luafile test/e2e_spec.lua"
local started = (vim.uv or vim.loop).hrtime() / 1e9
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local H = dofile(here .. "/helpers.lua")
local test, expect, wait = H.test, H.expect, H.wait

local tmp = vim.fn.tempname()
local answers = H.right_answers()
local doc = H.write(tmp .. "/notes.md", {
  "# Latency review",
  "",
  "Users complain that TTFT doubled after the release.",
})
local doc_buf

local function float_text()
  local f = H.float()
  return f and H.flat(f.lines) or ""
end

local function press(keys)
  local f = H.float()
  expect(f, "no float to press %q in", keys)
  vim.api.nvim_set_current_win(f.win)
  -- "x": run the mapping now, as if typed.
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(keys, true, false, true), "mx", false)
end

-- The float's text must hold the exercise's question and every choice,
-- numbered in order.
local function expect_exercise_shown(exercise)
  local f = wait("the float for " .. exercise.id, function()
    local f = H.float()
    return f and H.contains(H.flat(f.lines), exercise.question) and f
  end)
  local text = H.flat(f.lines)
  expect(#exercise.choices == 4, "%s has %d choices", exercise.id, #exercise.choices)
  for i, choice in ipairs(exercise.choices) do
    expect(H.contains(text, ("%d. %s"):format(i, choice.text)), "choice %d missing: %s", i, choice.text)
  end
  return f
end

local artifact = {}

test("diagnostic on TTFT", function()
  vim.cmd.edit(doc)
  doc_buf = vim.api.nvim_get_current_buf()
  local d = H.diagnostics(doc_buf)[1]
  expect(d.code == "ttft", "code is %s", tostring(d.code))
  expect(d.severity == vim.diagnostic.severity.HINT, "severity is %s", tostring(d.severity))
  expect(d.lnum == 2 and d.col == 20, "at %d:%d", d.lnum, d.col)
  local data = d.user_data.lsp.data
  expect(data.exerciseId == "ttft-1", "data.exerciseId is %s", tostring(data.exerciseId))
end)

H.bail_out_if_failed("no diagnostics: is the server working?", started)

test("started with vim.lsp.enable", function()
  expect(vim.lsp.is_enabled("llmops"), "llmops config not enabled")
end)

test("progress starts at 0", function()
  local p = H.command("llmops.progress")
  expect(p.completed == 0 and p.total == 5, "progress %s/%s", p.completed, p.total)
end)

local ttft
test("code action Learn: opens the exercise float", function()
  ttft = H.command("llmops.openExercise", { { exerciseId = "ttft-1" } })
  vim.api.nvim_win_set_cursor(0, { 3, 21 })
  vim.lsp.buf.code_action({
    filter = function(action)
      return action.title:find("^Learn:") ~= nil
    end,
    apply = true,
  })
  local f = expect_exercise_shown(ttft)
  expect(f.config.relative == "editor", "relative is %s", f.config.relative)
  expect(type(f.config.border) == "table" and #f.config.border == 8, "no border")
  local title = H.chunks(f.config.title)
  expect(H.contains(title, ttft.title), "title is %q", title)
  expect(vim.api.nvim_get_current_win() == f.win, "float not focused")
  -- Centred: equal margins give or take one cell (the border takes two).
  local left = f.config.col
  local right = vim.o.columns - f.config.col - f.config.width - 2
  expect(math.abs(left - right) <= 1, "not centred: %d vs %d", left, right)
  expect(H.contains(H.chunks(f.config.footer), "1-4 answer · q close"), "no keys in the footer")
  table.insert(artifact, { "exercise shown", f })
end)

test("right answer shows Correct! and the explanation", function()
  local key = tostring(answers["ttft-1"])
  press(key)
  local text = wait("the verdict", function()
    local t = float_text()
    return H.contains(t, "Correct!") and t
  end)
  expect(H.contains(text, "Time to first token is the wait between"), "explanation missing")
  expect(H.contains(text, "Progress: 1/5 completed"), "progress line missing")
  expect(H.contains(H.chunks(H.float().config.footer), "n next exercise"), "no n in the footer")
  table.insert(artifact, { "after pressing " .. key, H.float() })
end)

test("llmops.progress went from 0 to 1", function()
  local p = H.command("llmops.progress")
  expect(p.completed == 1, "completed is %s", p.completed)
end)

local next_id
test("n opens the next exercise", function()
  press("n")
  local f = wait("another exercise", function()
    local f = H.float()
    return f and not H.contains(H.flat(f.lines), ttft.question) and f
  end)
  local shown = require("llmops.exercise").state.exercise
  next_id = shown.id
  expect(next_id ~= "ttft-1", "still ttft-1")
  expect_exercise_shown(H.command("llmops.openExercise", { { exerciseId = next_id } }))
  expect(not H.contains(H.flat(f.lines), "Correct!"), "old verdict still shown")
end)

test("wrong answer shows the right number", function()
  local right = answers[next_id]
  press(tostring(right % 4 + 1))
  local text = wait("the verdict", function()
    local t = float_text()
    return H.contains(t, "Not quite") and t
  end)
  expect(H.contains(text, ("Not quite — the answer is %d"):format(right)), "verdict: %s", text:sub(1, 200))
  expect(H.command("llmops.progress").completed == 1, "a wrong answer completed it")
  table.insert(artifact, { "after a wrong answer", H.float() })
end)

test("q closes the float", function()
  press("q")
  wait("the float to close", function()
    return H.float() == nil
  end)
end)

test(":LlmopsExercise <id> opens it, <Esc> closes", function()
  vim.cmd("LlmopsExercise model-alias-1")
  expect_exercise_shown(H.command("llmops.openExercise", { { exerciseId = "model-alias-1" } }))
  press("<Esc>")
  wait("the float to close", function()
    return H.float() == nil
  end)
end)

test(":LlmopsExercise uses the term under the cursor", function()
  vim.api.nvim_set_current_buf(doc_buf)
  vim.api.nvim_win_set_cursor(0, { 3, 22 })
  vim.cmd("LlmopsExercise")
  local f = expect_exercise_shown(ttft)
  expect(H.contains(H.flat(f.lines), "completed"), "ttft-1 not marked completed")
  press("q")
end)

test(":LlmopsProgress lists 1/5 completed", function()
  vim.cmd("messages clear")
  vim.cmd("LlmopsProgress")
  local text = wait(":LlmopsProgress output", function()
    local m = vim.fn.execute("messages")
    return H.contains(m, "completed") and m
  end)
  expect(H.contains(text, "1/5 completed"), "no 1/5 in %s", text)
  expect(text:find("%[x%] ttft%-1"), "ttft-1 not ticked:\n%s", text)
  for id in pairs(answers) do
    expect(H.contains(text, id), "%s not listed", id)
  end
  expect(text:find("%[ %] " .. vim.pesc(next_id) .. ".*1 attempt"), "%s attempt missing:\n%s", next_id, text)
end)

test("one client per root", function()
  H.check_roots(tmp .. "/roots")
end)

test(":checkhealth llmops reports binary, version and clients", function()
  vim.cmd("checkhealth llmops")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  local bin = vim.fn.exepath(require("llmops").config.cmd[1])
  expect(H.contains(text, "binary found: " .. bin), "no binary path in:\n%s", text)
  expect(text:find("version: llmops%-lsp %d+%.%d+%.%d+"), "no version in:\n%s", text)
  expect(text:find("client %d+: running, root"), "no running client in:\n%s", text)
  expect(not text:find("ERROR"), "errors in:\n%s", text)
  vim.cmd("tabclose")
end)

-- The float as text, for people reviewing a CI run.
local dir = H.repo .. "/artifacts"
vim.fn.mkdir(dir, "p")
local lines = {}
for _, shot in ipairs(artifact) do
  local f = shot[2]
  if f then
    local c = f.config
    table.insert(lines, ("== %s: width %d, height %d, border %s, title %q, footer %q"):format(
      shot[1],
      c.width,
      c.height,
      table.concat(type(c.border) == "table" and c.border or { tostring(c.border) }),
      H.chunks(c.title),
      H.chunks(c.footer)
    ))
    vim.list_extend(lines, f.lines)
    table.insert(lines, "")
  end
end
vim.fn.writefile(lines, dir .. "/neovim-float.txt")

H.finish("e2e", started)
