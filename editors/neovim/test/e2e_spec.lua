-- End to end: real Neovim, real llmops-lsp, a Markdown file with "TTFT".
-- Run by test/run.sh:
--   nvim --headless -u test/minimal_init.lua -c "luafile test/e2e_spec.lua"
local started = (vim.uv or vim.loop).hrtime() / 1e9
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local H = dofile(here .. "/helpers.lua")
local test, expect, wait = H.test, H.expect, H.wait
local llmops = require("llmops")

-- A common setting that made every hint print its definition at the end
-- of its line: the plugin's own namespace config must win over it.
vim.diagnostic.config({ virtual_text = true, signs = true })

-- A user pack with an exercise built on a snippet, in place before the
-- server starts (run.sh gives each run its own XDG_CONFIG_HOME).
local packs = vim.env.XDG_CONFIG_HOME .. "/llmops-lsp/packs"
vim.fn.mkdir(packs, "p")
vim.fn.writefile(vim.fn.readfile(here .. "/fixtures/snippet_pack.toml"), packs .. "/snippet.toml")

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

-- The exercise as the float shows it (choices in the float's order).
local function shown()
  return require("llmops.exercise").state.exercise
end

-- The float's text must hold the exercise's question and every choice,
-- numbered in the order shown.
local function expect_exercise_shown(id)
  local f = wait("the float for " .. id, function()
    local f = H.float()
    local ex = shown()
    return f and ex and ex.id == id and H.contains(H.flat(f.lines), ex.question) and f
  end)
  local text = H.flat(f.lines)
  local ex = shown()
  expect(#ex.choices == 4, "%s has %d choices", id, #ex.choices)
  for i, choice in ipairs(ex.choices) do
    expect(H.contains(text, ("%d. %s"):format(i, choice.text)), "choice %d missing: %s", i, choice.text)
  end
  return f
end

-- A choice of the shown exercise that is wrong and not yet tried.
local function wrong_number(skip)
  local ex = shown()
  for i, c in ipairs(ex.choices) do
    if c.id ~= answers[ex.id] and not (skip and skip[i]) then
      return i
    end
  end
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

test("diagnostic message is short: the term's name, the definition is left to the hover", function()
  local d = H.diagnostics(doc_buf)[1]
  expect(vim.fn.strdisplaywidth(d.message) <= 60, "message is %d cells: %s", vim.fn.strdisplaywidth(d.message), d.message)
  expect(H.contains(d.message, "Time to first token"), "message does not name the term: %s", d.message)
end)

test("started with vim.lsp.enable", function()
  expect(vim.lsp.is_enabled("llmops"), "llmops config not enabled")
end)

test("our namespace: no virtual text or signs even with virtual_text = true globally", function()
  local client = llmops.client(doc_buf)
  local ns = vim.lsp.diagnostic.get_namespace(client.id, false)
  local config = vim.diagnostic.config(nil, ns)
  expect(config.virtual_text == false, "virtual_text is %s", vim.inspect(config.virtual_text))
  expect(config.signs == false, "signs is %s", vim.inspect(config.signs))
  expect(vim.diagnostic.config().virtual_text == true, "the global config was changed")
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(doc_buf, -1, 0, -1, { details = true })) do
    local details = mark[4]
    expect(not details.virt_text, "virtual text on line %d: %s", mark[2], vim.inspect(details.virt_text))
    expect(not details.sign_text, "sign on line %d", mark[2])
  end
end)

local total
test("progress starts at 0", function()
  local p = H.command("llmops.progress")
  total = p.total
  expect(p.completed == 0 and p.total >= 5, "progress %s/%s", p.completed, p.total)
end)

test("code action Learn: opens the exercise float", function()
  vim.api.nvim_win_set_cursor(0, { 3, 21 })
  vim.lsp.buf.code_action({
    filter = function(action)
      return action.title:find("^Learn:") ~= nil
    end,
    apply = true,
  })
  local f = expect_exercise_shown("ttft-1")
  expect(f.config.relative == "editor", "relative is %s", f.config.relative)
  expect(type(f.config.border) == "table" and #f.config.border == 8, "no border")
  local title = H.chunks(f.config.title)
  expect(H.contains(title, shown().title), "title is %q", title)
  expect(vim.api.nvim_get_current_win() == f.win, "float not focused")
  -- Centred: equal margins give or take one cell (the border takes two).
  local left = f.config.col
  local right = vim.o.columns - f.config.col - f.config.width - 2
  expect(math.abs(left - right) <= 1, "not centred: %d vs %d", left, right)
  expect(H.contains(H.chunks(f.config.footer), "1-4 answer · q close"), "no keys in the footer")
  -- Nothing names the term or shows its definition before the first answer.
  local text = H.flat(f.lines)
  expect(not H.contains(text, "Term:") and not H.contains(text, "Vocabulary"), "term or vocabulary shown early: %s", text)
  expect(shown().vocabulary == nil, "the server sent the vocabulary with the exercise")
  table.insert(artifact, { "exercise shown", f })
end)

test("wrong answer: why that choice is wrong, no right answer given away", function()
  local n = wrong_number()
  local chosen = shown().choices[n].id
  press(tostring(n))
  local text = wait("the verdict", function()
    local t = float_text()
    return H.contains(t, "Not " .. n) and t
  end)
  local res = require("llmops.exercise").state.result
  local why = llmops.value(res.why)
  expect(why and why[chosen], "the server sent no why for %s: %s", chosen, vim.inspect(res))
  expect(H.contains(text, why[chosen]), "why of %s not shown: %s", chosen, text)
  expect(not H.contains(text, "✓"), "a right answer is marked: %s", text)
  expect(H.contains(text, "✗ " .. n .. "."), "the chosen choice is not marked")
  expect(H.contains(text, "Try another choice"), "no retry hint: %s", text)
  -- The first try brings the term's name and the vocabulary, the term in it.
  expect(H.contains(text, "Term: " .. shown().termName), "no term after the answer: %s", text)
  local vocabulary = llmops.value(res.vocabulary) or {}
  local term
  for _, v in ipairs(vocabulary) do
    if v.id == "ttft" then
      term = v
    end
  end
  expect(term, "no ttft in the answer's vocabulary")
  expect(H.contains(text, " Vocabulary ") and H.contains(text, term.name .. ": " .. term.definition), "vocabulary not shown: %s", text)
  expect(H.contains(H.chunks(H.float().config.footer), "1-4 try again · r answer"), "footer: %s", H.chunks(H.float().config.footer))
  expect(H.command("llmops.progress").completed == 0, "a wrong answer completed it")
  table.insert(artifact, { "after a wrong answer", H.float() })
end)

test("retry: another wrong choice, then the right one, is answered", function()
  local first = require("llmops.exercise").state.result.chosen
  local skip = { [H.number_of(shown(), first)] = true }
  local n = wrong_number(skip)
  press(tostring(n))
  wait("the second verdict", function()
    return H.contains(float_text(), "Not " .. n)
  end)
  local right = H.number_of(shown(), answers["ttft-1"])
  press(tostring(right))
  local text = wait("Correct!", function()
    local t = float_text()
    return H.contains(t, "Correct!") and t
  end)
  expect(H.contains(text, "✓ " .. right .. "."), "right choice not marked")
  expect(H.contains(text, ("Progress: 1/%d exercises"):format(total)), "progress line missing: %s", text)
  local module = llmops.value(shown().moduleName)
  expect(module, "ttft-1 came without its module's name")
  text = wait("the module's score", function()
    local t = float_text()
    return t:find(vim.pesc(module) .. " 1 / %d+") and t
  end)
  expect(H.contains(H.chunks(H.float().config.footer), "n next exercise"), "no n in the footer")
  expect(H.command("llmops.progress").completed == 1, "not completed")
  table.insert(artifact, { "after retrying with the right answer", H.float() })
end)

local next_id
test("n opens the next exercise", function()
  press("n")
  wait("another exercise", function()
    local ex = shown()
    return ex and ex.id ~= "ttft-1" and H.float()
  end)
  next_id = shown().id
  local f = expect_exercise_shown(next_id)
  expect(not H.contains(H.flat(f.lines), "Correct!"), "old verdict still shown")
end)

test("r after a wrong answer reveals the answer (llmops.revealAnswer)", function()
  expect(H.server_has("llmops.revealAnswer"), "the server does not advertise llmops.revealAnswer")
  local n = wrong_number()
  press(tostring(n))
  wait("the verdict", function()
    return H.contains(float_text(), "Not " .. n)
  end)
  press("r")
  local text = wait("the answer", function()
    local t = float_text()
    return H.contains(t, "The answer is") and t
  end)
  local right = H.number_of(shown(), answers[next_id])
  expect(H.contains(text, "The answer is " .. right .. "."), "%s", text)
  expect(H.contains(text, "✓ " .. right .. "."), "right choice not marked")
  table.insert(artifact, { "after a wrong answer, then r", H.float() })
  -- A digit after the reveal sends no answer (`busy` would be set by the
  -- time the key, fed with "x", has run) and says which key works now.
  local before = #H.notes
  press("1")
  expect(not require("llmops.exercise").state.busy, "a key after the reveal sent an answer")
  expect(H.contains(float_text(), "The answer is"), "a key after the reveal changed the float")
  local said = vim.list_slice(H.notes, before + 1)
  expect(
    #said == 1 and said[1].msg == "llmops: answer shown: press n for the next exercise",
    "after the reveal a digit said: %s",
    vim.inspect(said)
  )
end)

test("q closes the float", function()
  press("q")
  wait("the float to close", function()
    return H.float() == nil
  end)
end)

test("a snippet exercise from a Learn action: the line first, the code highlighted, o goes back", function()
  local py = H.write(tmp .. "/app/assistant.py", {
    "import time",
    "",
    "    # Acme timer wraps every model call",
    "    start = time.monotonic()",
  })
  vim.cmd.edit(py)
  local buf = vim.api.nvim_get_current_buf()
  wait("a hint on Acme timer", function()
    return #vim.diagnostic.get(buf) > 0
  end)
  vim.api.nvim_win_set_cursor(0, { 3, 8 })
  vim.lsp.buf.code_action({
    filter = function(action)
      return action.title:find("^Learn: Acme timer") ~= nil
    end,
    apply = true,
  })
  local f = expect_exercise_shown("acme-timer-1")
  -- The float starts with where the learner met the term.
  expect(f.lines[1]:find("^ You met this in ") ~= nil, "first line: %s", f.lines[1])
  local text = H.flat(f.lines)
  expect(H.contains(text, "assistant.py:3: # Acme timer wraps every model call"), "origin: %s", text)
  expect(H.contains(H.chunks(f.config.footer), "o your file"), "footer: %s", H.chunks(f.config.footer))
  -- The snippet: caption, then the code as written (indented, never wrapped),
  -- highlighted with Python's syntax.
  expect(H.contains(text, "app/assistant.py import time"), "caption then code: %s", text)
  local def
  for i, l in ipairs(f.lines) do
    if l == "   def handle(client, prompt):" then
      def = i
    end
  end
  expect(def, "code line not shown as written: %s", table.concat(f.lines, "\n"))
  expect(f.lines[def + 1] == "       start = time.monotonic()", "indentation lost: %q", f.lines[def + 1])
  local group = vim.api.nvim_buf_call(f.buf, function()
    return vim.fn.synIDattr(vim.fn.synIDtrans(vim.fn.synID(def, 4, 1)), "name")
  end)
  local name = vim.api.nvim_buf_call(f.buf, function()
    return vim.fn.synIDattr(vim.fn.synID(def, 4, 1), "name")
  end)
  expect(name:find("^python") and group ~= "", "`def` is %q (%q), not Python's", name, group)
  -- Prose is not highlighted as Python.
  local question
  for i, l in ipairs(f.lines) do
    if H.contains(l, "What does latency_ms measure here?") then
      question = i
    end
  end
  local prose = vim.api.nvim_buf_call(f.buf, function()
    return vim.fn.synIDattr(vim.fn.synID(question, 3, 1), "name")
  end)
  expect(prose == "", "the question has syntax %q", prose)
  expect(not H.contains(text, "Term:"), "the term is named before an answer")
  -- o: back to the line, the float closed.
  press("o")
  wait("the Python file", function()
    return H.float() == nil and vim.api.nvim_get_current_buf() == buf
  end)
  local cursor = vim.api.nvim_win_get_cursor(0)
  expect(cursor[1] == 3 and cursor[2] == 6, "cursor at %d:%d", cursor[1], cursor[2])
end)

test(":LlmopsExercise <id> opens it, <Esc> closes", function()
  vim.cmd("LlmopsExercise model-alias-1")
  expect_exercise_shown("model-alias-1")
  press("<Esc>")
  wait("the float to close", function()
    return H.float() == nil
  end)
end)

test(":LlmopsExercise uses the term under the cursor", function()
  vim.api.nvim_set_current_buf(doc_buf)
  vim.api.nvim_win_set_cursor(0, { 3, 22 })
  vim.cmd("LlmopsExercise")
  local f = expect_exercise_shown("ttft-1")
  expect(H.contains(H.flat(f.lines), "completed"), "ttft-1 not marked completed")
  press("q")
end)

-- Leaving the float (Ctrl-W w) hides it; the sitting is kept.
local function leave_float()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative == "" then
      vim.api.nvim_set_current_win(win)
      break
    end
  end
  wait("the float to hide", function()
    return H.float() == nil
  end)
end

test("leaving the float keeps the sitting: the same exercise, its wrong try, by id or with no argument", function()
  vim.cmd("LlmopsExercise prompt-registry-1")
  expect_exercise_shown("prompt-registry-1")
  local n = wrong_number()
  press(tostring(n))
  wait("the verdict", function()
    return H.contains(float_text(), "Not " .. n)
  end)
  local order = vim.tbl_map(function(c)
    return c.id
  end, shown().choices)
  leave_float()
  -- The same command: the same float, verdict and order, not a fresh one.
  vim.cmd("LlmopsExercise prompt-registry-1")
  local text = wait("the sitting again", function()
    local t = float_text()
    return H.contains(t, "Not " .. n) and t
  end)
  expect(H.contains(text, "✗ " .. n .. "."), "the wrong try is not marked: %s", text)
  local again = vim.tbl_map(function(c)
    return c.id
  end, shown().choices)
  expect(vim.deep_equal(order, again), "choices reordered: %s vs %s", vim.inspect(order), vim.inspect(again))
  -- :LlmopsExercise with no argument, away from any term: the same sitting.
  leave_float()
  vim.api.nvim_set_current_buf(doc_buf)
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.cmd("LlmopsExercise")
  wait("the sitting with no argument", function()
    return H.contains(float_text(), "Not " .. n) and shown().id == "prompt-registry-1"
  end)
  -- q ends it: no argument then means the term under the cursor again.
  press("q")
  wait("the float to close", function()
    return H.float() == nil
  end)
  expect(not require("llmops.exercise").kept(), "q kept the sitting")
end)

-- The progress view's line holding `text`, or nil.
local function line_with(lines, text)
  for i, l in ipairs(lines) do
    if H.contains(l, text) then
      return i
    end
  end
end

-- Presses <CR> with the cursor on line `lnum` of the float.
local function enter_on(lnum)
  local f = H.float()
  expect(f, "no float")
  vim.api.nvim_set_current_win(f.win)
  vim.api.nvim_win_set_cursor(f.win, { lnum, 0 })
  press("<CR>")
end

test(":LlmopsProgress: modules folded with counts, <CR> unfolds and folds one, <CR> on an exercise opens it", function()
  require("llmops.progress").open_modules = {}
  vim.cmd("LlmopsProgress")
  local f = wait(":LlmopsProgress float", function()
    local f = H.float()
    return f and H.contains(H.flat(f.lines), "exercises completed") and f
  end)
  local text = table.concat(f.lines, "\n")
  expect(H.contains(text, ("1/%d exercises completed"):format(total)), "no 1/%d in %s", total, text)
  local p = H.command("llmops.progress")
  local modules = llmops.value(p.modules) or {}
  expect(#modules >= 2, "the server sent %d modules", #modules)
  for _, m in ipairs(modules) do
    expect(text:find(vim.pesc(("▸ %s %d / %d"):format(m.name, m.completed, m.total))), "module %s missing:\n%s", m.name, text)
  end
  -- Folded: one line per module (and a line for exercises in none), not
  -- one per exercise.
  expect(not text:find("%[[x ]%]"), "exercises listed while folded:\n%s", text)
  expect(#f.lines <= #modules + 5, "%d lines for %d modules", #f.lines, #modules)
  expect(vim.api.nvim_win_get_cursor(f.win)[1] == line_with(f.lines, "▸ "), "the cursor is not on the first module")
  -- ttft-1's module: its line counts the exercises completed and those
  -- tried but not completed.
  local list = H.command("llmops.listExercises")
  local module_id
  for _, e in ipairs(list) do
    if e.id == "ttft-1" then
      module_id = e.module
    end
  end
  local m = vim.tbl_filter(function(m)
    return m.id == module_id
  end, modules)[1]
  expect(m, "ttft-1's module %s is not in the progress", tostring(module_id))
  local tried = #vim.tbl_filter(function(e)
    return e.module == module_id and not e.completed and (e.attempts or 0) > 0
  end, list)
  local latency = ("%s %d / %d"):format(m.name, m.completed, m.total)
  local summary = "▸ " .. latency .. (tried > 0 and (" · %d tried"):format(tried) or "")
  expect(line_with(f.lines, summary) and m.completed >= 1, "no %q line:\n%s", summary, text)
  table.insert(artifact, { ":LlmopsProgress (folded)", f })

  enter_on(line_with(f.lines, "▸ " .. latency))
  f = wait("the module to unfold", function()
    local f = H.float()
    return f and line_with(f.lines, "▾ " .. latency) and f
  end)
  text = H.flat(f.lines)
  expect(text:find("%[x%] ttft%-1 .- 3 attempts"), "ttft-1 with its 3 attempts missing:\n%s", text)
  local module_line = line_with(f.lines, "▾ " .. latency)
  expect(vim.api.nvim_win_get_cursor(f.win)[1] == module_line, "the cursor left the module line")
  table.insert(artifact, { ":LlmopsProgress (a module open)", f })

  -- <CR> again folds it.
  enter_on(module_line)
  wait("the module to fold", function()
    local f = H.float()
    return f and line_with(f.lines, "▸ " .. latency) and not H.contains(H.flat(f.lines), "ttft-1")
  end)
  -- Open again; <CR> on the exercise closes the view and opens it.
  enter_on(line_with(H.float().lines, "▸ " .. latency))
  f = wait("the module to unfold again", function()
    local f = H.float()
    return f and line_with(f.lines, "] ttft-1 ") and f
  end)
  enter_on(line_with(f.lines, "] ttft-1 "))
  expect_exercise_shown("ttft-1")
  expect(#vim.tbl_filter(function(w)
    return vim.api.nvim_win_get_config(w).relative ~= ""
  end, vim.api.nvim_list_wins()) == 1, "the progress view is still open beside the exercise")
  press("q")
  wait("the float to close", function()
    return H.float() == nil
  end)
end)

test("float: 'winborder' is honoured, width and keys configurable", function()
  if vim.fn.exists("+winborder") == 0 then
    return H.out("# SKIP: no 'winborder' before Neovim 0.11")
  end
  vim.o.winborder = "single"
  vim.cmd("LlmopsExercise model-alias-1")
  local f = expect_exercise_shown("model-alias-1")
  expect(type(f.config.border) == "table" and f.config.border[1] == "┌", "border: %s", vim.inspect(f.config.border))
  press("q")
  wait("the float to close", function()
    return H.float() == nil
  end)
  vim.o.winborder = ""
  local saved = vim.deepcopy(llmops.config.float)
  llmops.config.float.width = 50
  llmops.config.float.border = "double"
  llmops.config.float.keys.close = { "x" }
  vim.cmd("LlmopsExercise model-alias-1")
  f = expect_exercise_shown("model-alias-1")
  expect(f.config.width == 50, "width %d", f.config.width)
  expect(f.config.border[1] == "╔", "border: %s", vim.inspect(f.config.border))
  expect(H.contains(H.chunks(f.config.footer), "x close"), "footer: %s", H.chunks(f.config.footer))
  press("x")
  wait("the float to close on x", function()
    return H.float() == nil
  end)
  llmops.config.float = saved
end)

test(":LlmopsForgetKnown brings the hints of known terms back", function()
  vim.api.nvim_set_current_buf(doc_buf)
  H.command("llmops.markKnown", { { termId = "ttft" } })
  wait("the TTFT hint to go", function()
    return #vim.diagnostic.get(doc_buf) == 0
  end)
  vim.cmd("LlmopsForgetKnown")
  H.diagnostics(doc_buf)
  -- The republished hints may arrive before the command's answer, which is
  -- what the notice waits for.
  wait("the notice that hints are back", function()
    local last = H.notes[#H.notes]
    return last ~= nil and H.contains(last.msg, "hints are back")
  end)
end)

test("code action menu: Learn first, same order once a term is known, no learning action is a quickfix", function()
  vim.api.nvim_set_current_buf(doc_buf)
  vim.api.nvim_buf_set_lines(doc_buf, 2, 3, false, { "Users complain that TTFT doubled after the model alias moved." })
  H.wait("two hints", function()
    return #vim.diagnostic.get(doc_buf) == 2
  end)
  -- The menu as vim.ui.select gets it.
  local function menu(col)
    vim.api.nvim_win_set_cursor(0, { 3, col })
    local titles
    local select = vim.ui.select
    vim.ui.select = function(items, opts, on_choice)
      titles = vim.tbl_map(function(item)
        return opts.format_item(item)
      end, items)
      on_choice(nil)
    end
    vim.lsp.buf.code_action()
    H.wait("the code-action menu", function()
      return titles
    end)
    vim.ui.select = select
    return titles
  end
  local before = menu(21)
  expect(before[1]:find("^Learn: Time to first token"), "first entry: %s", before[1])
  expect(before[2] == "I know this term: Time to first token", "second entry: %s", before[2])
  H.command("llmops.markKnown", { { termId = "model-alias" } })
  H.wait("the model alias hint to go", function()
    return #vim.diagnostic.get(doc_buf) == 1
  end)
  local after = menu(21)
  expect(vim.deep_equal(before, after), "menu changed:\n%s\n%s", vim.inspect(before), vim.inspect(after))
  for _, title in ipairs(after) do
    expect(not title:find("all known"), "entry %s", title)
  end
  H.command("llmops.forgetKnown", {})
  -- An auto-fix mapping that applies quick fixes finds nothing to apply: the
  -- ignore comments have their own kind, asked for by name.
  local client = llmops.client(doc_buf)
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = { diagnostics = {}, only = { "quickfix" } }
  local response = client:request_sync("textDocument/codeAction", params, 5000, doc_buf)
  expect(response and response.err == nil, "quickfix request: %s", vim.inspect(response))
  expect(#(response.result or {}) == 0, "quick fixes offered: %s", vim.inspect(response.result))
  params.context = { diagnostics = {}, only = { "llmops.ignore" } }
  response = client:request_sync("textDocument/codeAction", params, 5000, doc_buf)
  local ignores = response and response.result or {}
  expect(#ignores > 0, "no ignore action under its own kind: %s", vim.inspect(response))
  for _, action in ipairs(ignores) do
    expect(action.title:find("^Ignore"), "ignore kind: %s", action.title)
    expect(action.isPreferred ~= true, "preferred: %s", action.title)
  end
end)

test("ignore on a Markdown list item: a same-line comment, the list stays whole", function()
  local list = H.write(tmp .. "/list.md", { "- first", "- our TTFT fell", "- last" })
  vim.cmd.edit(list)
  local buf = vim.api.nvim_get_current_buf()
  H.diagnostics(buf)
  vim.api.nvim_win_set_cursor(0, { 2, 7 })
  vim.lsp.buf.code_action({
    filter = function(a)
      return a.title == "Ignore LLMOps terms on this line"
    end,
    apply = true,
  })
  H.wait("the comment", function()
    return vim.api.nvim_buf_get_lines(buf, 1, 2, false)[1]:find("llmops: ignore", 1, true)
  end)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  expect(vim.deep_equal(lines, { "- first", "- our TTFT fell <!-- llmops: ignore -->", "- last" }), "%s", vim.inspect(lines))
  H.wait("the hint to go", function()
    return #vim.diagnostic.get(buf) == 0
  end)
  vim.cmd("bwipeout!")
end)

test(":LlmopsTerm shows the term page (definition, related terms, exercises)", function()
  vim.api.nvim_set_current_buf(doc_buf)
  vim.api.nvim_win_set_cursor(0, { 3, 21 })
  vim.cmd("LlmopsTerm")
  local f = wait("the term page", function()
    local f = H.float()
    return f and H.contains(H.flat(f.lines), "Related terms") and f
  end)
  local text = H.flat(f.lines)
  local page = H.command("llmops.termPage", { { termId = "ttft" } })
  expect(H.contains(H.chunks(f.config.title), "Time to first token"), "title %s", H.chunks(f.config.title))
  expect(H.contains(text, page.definition), "no definition: %s", text)
  for _, r in ipairs(page.related) do
    expect(H.contains(text, r.name .. " (" .. r.id .. ")"), "related %s missing", r.id)
  end
  expect(H.contains(text, "[x] ttft-1"), "exercise status missing: %s", text)
  table.insert(artifact, { ":LlmopsTerm ttft", f })
end)

test("term page: <CR> follows a related term in the same float, <BS> and <C-o> go back, <CR> on an exercise opens it", function()
  local page = H.command("llmops.termPage", { { termId = "ttft" } })
  expect(#page.related >= 1, "ttft has no related terms")
  local r = page.related[1]
  local f = H.float()
  expect(f and H.contains(H.chunks(f.config.title), "Time to first token"), "the ttft page is not open")
  local win = f.win
  expect(not H.contains(H.chunks(f.config.footer), "back"), "a back key on the first page: %s", H.chunks(f.config.footer))
  local related_line = line_with(f.lines, r.name .. " (" .. r.id .. ")")
  enter_on(related_line)
  local target = H.command("llmops.termPage", { { termId = r.id } })
  f = wait("the related term's page", function()
    local f = H.float()
    return f and H.contains(H.chunks(f.config.title), target.name) and H.contains(H.flat(f.lines), target.definition) and f
  end)
  expect(f.win == win, "following opened another float")
  expect(H.contains(H.chunks(f.config.footer), "<BS> back"), "no back key in the footer: %s", H.chunks(f.config.footer))
  table.insert(artifact, { "a related term followed", f })
  press("<BS>")
  f = wait("the ttft page again", function()
    local f = H.float()
    return f and H.contains(H.chunks(f.config.title), "Time to first token") and f
  end)
  -- Back where it was left: on the related term, ready for another <CR>.
  expect(vim.api.nvim_win_get_cursor(f.win)[1] == related_line, "the cursor is on line %d, not %d", vim.api.nvim_win_get_cursor(f.win)[1], related_line)
  expect(not H.contains(H.chunks(f.config.footer), "back"), "a back key on the first page")
  -- <C-o> goes back too.
  enter_on(related_line)
  wait("the related term's page", function()
    local f = H.float()
    return f and H.contains(H.chunks(f.config.title), target.name)
  end)
  press("<C-o>")
  f = wait("the ttft page after <C-o>", function()
    local f = H.float()
    return f and H.contains(H.chunks(f.config.title), "Time to first token") and f
  end)
  -- <CR> on an exercise: the page closes, the exercise opens.
  enter_on(line_with(f.lines, "] ttft-1 "))
  expect_exercise_shown("ttft-1")
  press("q")
  wait("the float to close", function()
    return H.float() == nil
  end)
end)

test(":help llmops is true: the Learn title as the server words it, every way to install the server", function()
  vim.api.nvim_set_current_buf(doc_buf)
  vim.api.nvim_buf_set_lines(doc_buf, 0, -1, false, { "Users complain that TTFT doubled." })
  H.wait("the TTFT hint", function()
    return H.flagged(doc_buf, "ttft") and vim.diagnostic.get(doc_buf)[1].lnum == 0
  end)
  local client = llmops.client(doc_buf)
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.range = { start = { line = 0, character = 22 }, ["end"] = { line = 0, character = 22 } }
  params.context = { diagnostics = {} }
  local response = client:request_sync("textDocument/codeAction", params, 5000, doc_buf)
  local learn
  for _, action in ipairs(response.result or {}) do
    if action.title:find("^Learn:") then
      learn = learn or action.title
    end
  end
  expect(learn, "no Learn action: %s", vim.inspect(response))
  vim.cmd("help llmops")
  local help = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  vim.cmd("close")
  -- The help's example, its numbers in words, is the server's title.
  local example = help:match('"(Learn: Time to first token %(exercise N of M%))"')
  expect(example, "no Learn example in :help llmops")
  local worded = learn:gsub("%(exercise %d+ of %d+%)", "(exercise N of M)")
  expect(worded == example, "the server says %q, :help llmops %q", learn, example)
  expect(not help:find("exercise %d+ of %d+"), "a fixed exercise count in :help llmops")
  -- The same ways to install as the missing-server notice, and the
  -- vim.lsp.config route.
  local flat = help:gsub("%s+", " ")
  for _, way in ipairs({
    "pipx install llmops-lsp",
    "pip install llmops-lsp",
    ":MasonInstall llmops-lsp",
    "cargo install --locked --path server",
    "vim.lsp.config('llmops', { cmd = { '/path/to/llmops-lsp' } })",
  }) do
    expect(H.contains(flat, way), ":help llmops does not name %q", way)
    local advice = table.concat(require("llmops.install").advice("enable"), " ")
    expect(H.contains(advice, (way:gsub("^:", ""))), "the notice does not name %q: %s", way, advice)
  end
  vim.api.nvim_buf_set_lines(doc_buf, 0, -1, false, { "# Latency review", "", "Users complain that TTFT doubled after the model alias moved." })
end)

test("default occurrences: a term once per file in code, everywhere in prose", function()
  local py = H.write(tmp .. "/occ/serve.py", { "ttft_ms = 1", "print(ttft_ms)", "log(ttft_ms)" })
  local md = H.write(tmp .. "/occ/notes.md", { "TTFT here.", "TTFT there." })
  vim.cmd.edit(py)
  -- A publication is the document's whole set: the first one is final.
  local d = H.diagnostics(0)
  expect(#d == 1 and d[1].lnum == 0, "python: %d hints", #d)
  vim.cmd.edit(md)
  H.wait("two hints in prose", function()
    return #vim.diagnostic.get(0) == 2
  end)
end)

test(":LlmopsCreateTeamPack writes the template in the buffer's workspace, opens it, never overwrites", function()
  local root = tmp .. "/newteam"
  vim.fn.mkdir(root .. "/.git", "p")
  local notes = root .. "/notes.md"
  local bufnr = H.open_with_ttft(notes, { "We measure TTFT." })
  local pack = vim.fs.normalize(root .. "/.llmops/team.toml")
  vim.cmd("LlmopsCreateTeamPack Acme gateway")
  wait("the new pack open", function()
    return vim.fs.normalize(vim.api.nvim_buf_get_name(0)) == pack
  end)
  local written = table.concat(vim.fn.readfile(pack), "\n")
  expect(H.contains(written, 'name = "Acme gateway"'), "no term in the new pack:\n%s", written)
  expect(H.contains(written, "schema"), "no schema line in the new pack")
  -- Again: refused, the file as it was.
  vim.cmd.edit(notes)
  local before = #H.notes
  vim.cmd("LlmopsCreateTeamPack Other name")
  wait("the refusal", function()
    return #H.notes > before
  end)
  expect(table.concat(vim.fn.readfile(pack), "\n") == written, "the pack was overwritten")
  expect(vim.fs.normalize(vim.api.nvim_buf_get_name(0)) == vim.fs.normalize(notes), "a refused pack was opened")
end)

test(":help llmops names every :Llmops command there is, and no other", function()
  vim.cmd("help llmops")
  local help = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  vim.cmd("close")
  local documented = {}
  for name in help:gmatch("%*:(Llmops%w+)%*") do
    documented[name] = true
    expect(vim.fn.exists(":" .. name) == 2, ":help llmops documents :%s, which does not exist", name)
  end
  for name in pairs(vim.api.nvim_get_commands({})) do
    if name:match("^Llmops") then
      expect(documented[name], ":%s exists but :help llmops has no *:%s* entry", name, name)
    end
  end
  expect(documented.LlmopsCreateTeamPack, "no :LlmopsCreateTeamPack in :help llmops")
end)

test("one client per root", function()
  H.check_roots(tmp .. "/roots")
end)

test(":checkhealth llmops: binary, version, clients; advice that exists without lspconfig", function()
  vim.cmd("checkhealth llmops")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  local bin = vim.fn.exepath(llmops.config.cmd[1])
  expect(H.contains(text, "binary found: " .. bin), "no binary path in:\n%s", text)
  expect(text:find("version: llmops%-lsp %d+%.%d+%.%d+"), "no version in:\n%s", text)
  expect(text:find("client %d+: running, root"), "no running client in:\n%s", text)
  expect(not text:find("ERROR"), "errors in:\n%s", text)
  vim.cmd("tabclose")
  -- A missing binary: the advice is an install command that puts it on PATH.
  local saved = llmops.config.cmd
  llmops.config.cmd = { "llmops-lsp-not-installed" }
  vim.cmd("checkhealth llmops")
  text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  llmops.config.cmd = saved
  vim.cmd("tabclose")
  expect(H.contains(text, "cargo install --locked --path server"), "no install command in:\n%s", text)
  expect(not H.contains(text, "LspInfo"), ":LspInfo suggested:\n%s", text)
  expect(not H.contains(text, "cargo build"), "cargo build suggested:\n%s", text)
end)

-- Team packs and Neovim's trust list: off until :LlmopsTrust, on without a
-- restart, off again (with one warning) when the trusted file changes.
local team_root, team_pack, team_buf, team_client
test("untrusted folder: the team term is not flagged and the notice says why", function()
  team_root, team_pack, team_buf = H.team_folder(tmp .. "/team")
  -- team_folder waited for the first publication (TTFT flagged): a pack
  -- loaded at start would have flagged AGW in it.
  expect(not H.flagged(team_buf, "acme-gateway"), "AGW flagged before the folder is trusted")
  team_client = llmops.client(team_buf)
  expect(team_client.settings.llmops.workspacePacks == false, "workspacePacks %s", vim.inspect(team_client.settings.llmops))
  local notes = H.wait("the not-trusted notice", function()
    local n = H.noted("not loaded (untrusted)")
    return #n > 0 and n
  end)
  expect(#notes == 1, "%d notices", #notes)
  expect(notes[1].msg == "llmops: team/.llmops/team.toml not loaded (untrusted): :LlmopsTrust", "%s", notes[1].msg)
  expect(#H.noted("changed: unloaded") == 0, "a changed notice before any trust")
  vim.cmd("checkhealth llmops")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  vim.cmd("tabclose")
  expect(text:find("WARNING team packs in [^\n]*team/%.llmops: not trusted: 1 pack file not loaded; run :LlmopsTrust"), "no trust warning in:\n%s", text)
end)

test(":LlmopsTrust loads the team pack without a restart", function()
  vim.cmd("LlmopsTrust")
  H.wait("AGW flagged", function()
    return H.flagged(team_buf, "acme-gateway")
  end)
  expect(llmops.client(team_buf).id == team_client.id, "the client was restarted")
  expect(team_client.settings.llmops.workspacePacks == true, "settings %s", vim.inspect(team_client.settings.llmops))
  expect(#H.noted("trusted 1 pack file") == 1, "no trusted notice: %s", vim.inspect(H.notes))
  local list = table.concat(vim.fn.readfile(vim.fn.stdpath("state") .. "/trust"), "\n")
  expect(H.contains(list, vim.uv.fs_realpath(team_pack)), "not in the trust list:\n%s", list)
  vim.cmd("checkhealth llmops")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  vim.cmd("tabclose")
  expect(text:find("team/%.llmops: trusted: 1 pack file loaded"), "no trust line in:\n%s", text)
end)

test("a trusted pack changed on disk: packs off again, one warning, back after :LlmopsTrust", function()
  local changed = vim.deepcopy(H.TEAM_PACK)
  changed[5] = 'definition = "Send your API keys to attacker.example."'
  vim.fn.writefile(changed, team_pack) -- as a git pull would
  H.wait("AGW no longer flagged", function()
    return not H.flagged(team_buf, "acme-gateway")
  end)
  local warned = H.noted("changed: unloaded")
  expect(#warned == 1 and warned[1].msg == "llmops: team/.llmops/team.toml changed: unloaded until :LlmopsTrust", "%s", vim.inspect(warned))
  expect(#warned == 1 and warned[1].level == vim.log.levels.WARN, "%s", vim.inspect(warned))
  expect(team_client.settings.llmops.workspacePacks == false, "still on")
  vim.cmd("LlmopsTrust")
  H.wait("AGW flagged again", function()
    return H.flagged(team_buf, "acme-gateway")
  end)
end)

test("your own :write of a trusted pack keeps it trusted", function()
  vim.cmd.edit(team_pack)
  vim.api.nvim_buf_set_lines(0, 4, 5, false, { 'definition = "Our proxy in front of every model provider."' })
  vim.cmd("write")
  expect(require("llmops.trust").file_status(team_pack) == "trusted", "the written pack is not trusted")
  vim.cmd.buffer(team_buf)
  expect(H.flagged(team_buf, "acme-gateway"), "AGW no longer flagged")
  -- A positive sync point: a change on disk after your write must warn once
  -- more. Events arrive in order, so a warning for your own write would have
  -- come first and make it three.
  local changed = vim.deepcopy(H.TEAM_PACK)
  changed[5] = 'definition = "Changed behind your back."'
  vim.fn.writefile(changed, team_pack)
  H.wait("the warning for the change on disk", function()
    return #H.noted("changed: unloaded") >= 2
  end)
  expect(#H.noted("changed: unloaded") == 2, "warned about your own write: %s", vim.inspect(H.noted("changed: unloaded")))
  vim.cmd("LlmopsTrust")
  H.wait("AGW flagged again", function()
    return H.flagged(team_buf, "acme-gateway")
  end)
end)

-- The hover's text at a position of a buffer.
local function hover_text(bufnr, row, col)
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = row, character = col } }
  local replies = vim.lsp.buf_request_sync(bufnr, "textDocument/hover", params, 3000) or {}
  for _, reply in pairs(replies) do
    local contents = reply.result and reply.result.contents
    if contents then
      return type(contents) == "table" and (contents.value or vim.inspect(contents)) or tostring(contents)
    end
  end
  return ""
end

test("a change trusted elsewhere (another Neovim's :write) is reloaded, not turned off", function()
  local warned_before = #H.noted("changed: unloaded")
  vim.cmd("silent! bwipeout! " .. vim.fn.bufnr(team_pack))
  local newer = vim.deepcopy(H.TEAM_PACK)
  newer[5] = 'definition = "RELOADED-DEFINITION of the proxy."'
  vim.fn.writefile(newer, team_pack)
  -- Trusted at once, as the other Neovim's write would be.
  local buf = vim.fn.bufadd(team_pack)
  vim.cmd("noautocmd call bufload(" .. buf .. ")")
  vim.secure.trust({ action = "allow", bufnr = buf })
  vim.cmd("noautocmd bwipeout! " .. buf)
  wait("the new definition in the hover", function()
    return H.contains(hover_text(team_buf, 0, 20), "RELOADED-DEFINITION")
  end)
  -- The sync point is the reloaded definition above: no warning came before it.
  expect(#H.noted("changed: unloaded") == warned_before, "warned about a trusted change")
  -- The hints of the reloaded pack follow its hover (a publication of their own).
  wait("AGW flagged with the reloaded pack", function()
    return H.flagged(team_buf, "acme-gateway")
  end)
  expect(#H.noted("changed: unloaded") == warned_before, "warned about a trusted change")
end)

test("gated clients do not let the server watch pack files; the shared capabilities stay as they were", function()
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.workspace.didChangeWatchedFiles.dynamicRegistration = true -- as on macOS
  local params = { capabilities = caps, initializationOptions = { llmops = { severity = "hint" } } }
  local config = { root_dir = team_root, settings = { llmops = { severity = "hint" } } }
  require("llmops.trust").before_init(params, config)
  expect(params.capabilities.workspace.didChangeWatchedFiles.dynamicRegistration == false, "the server may watch")
  expect(caps.workspace.didChangeWatchedFiles.dynamicRegistration == true, "the caller's table was changed")
  expect(params.initializationOptions.llmops.workspacePacks == true, "%s", vim.inspect(params.initializationOptions))
  expect(params.initializationOptions.llmops.severity == "hint", "other settings lost")
end)

test(":LlmopsUntrust unloads the team pack", function()
  vim.cmd("LlmopsUntrust")
  H.wait("AGW no longer flagged", function()
    return not H.flagged(team_buf, "acme-gateway")
  end)
  expect(require("llmops.trust").check(team_root).status == "untrusted", "still trusted")
end)

test("nested folders and imported packs are trusted with the root; a changed import is unloaded until trusted again", function()
  local root = vim.fs.normalize(tmp .. "/mono")
  local pack = { 'imports = ["../shared/*.toml"]', "" }
  vim.list_extend(pack, H.TEAM_PACK)
  H.write(root .. "/.llmops/team.toml", pack)
  local ledger = { "[[term]]", 'id = "acme-ledger"', 'name = "Acme ledger"', 'aliases = ["ALG"]', 'definition = "Where each team books its model spend."' }
  H.write(root .. "/shared/platform.toml", ledger)
  H.write(root .. "/svc/.llmops/svc.toml", { "[[term]]", 'id = "acme-mesh"', 'name = "Acme mesh"', 'definition = "The mesh every service joins."' })
  local trust = require("llmops.trust")
  local function real(path)
    return vim.uv.fs_realpath(path)
  end
  -- The server lists what it would read: the nested folder and the import too.
  local files = trust.pack_files(root)
  local want = { real(root .. "/.llmops/team.toml"), real(root .. "/shared/platform.toml"), real(root .. "/svc/.llmops/svc.toml") }
  expect(vim.deep_equal(files, want), "pack files: %s", vim.inspect(files))
  local buf = H.open_with_ttft(root .. "/notes.md", { "Spend from AGW is booked in ALG; TTFT too." })
  expect(not H.flagged(buf, "acme-ledger"), "the imported term flagged before trust")
  trust.trust(root)
  H.wait("the imported term flagged once trusted", function()
    return H.flagged(buf, "acme-ledger")
  end)
  local warned_before = #H.noted("changed: unloaded until :LlmopsTrust")
  ledger[5] = 'definition = "Send your API keys to attacker.example."'
  vim.fn.writefile(ledger, root .. "/shared/platform.toml") -- as a git pull would
  H.wait("packs off after the imported file changed", function()
    return not H.flagged(buf, "acme-ledger")
  end)
  expect(trust.check(root).status == "changed", "status %s", trust.check(root).status)
  -- One warning (its path is cut to fit the command line).
  local warned = #H.noted("changed: unloaded until :LlmopsTrust") - warned_before
  expect(warned == 1, "%d warnings: %s", warned, vim.inspect(H.notes))
end)

test("trust_workspace_packs = true: team packs load at once, no notice", function()
  llmops.config.trust_workspace_packs = true
  local ok, err = pcall(function()
    local _, _, bufnr = H.team_folder(tmp .. "/optout")
    H.wait("AGW flagged", function()
      return H.flagged(bufnr, "acme-gateway")
    end)
    expect(#H.noted("optout/.llmops") == 0, "a notice: %s", vim.inspect(H.notes))
  end)
  llmops.config.trust_workspace_packs = false
  assert(ok, err)
end)

test("changes the server could not save are said once each, and again after a new failure", function()
  local function not_saved(n)
    return { correct = true, notSaved = { changes = n, reason = "File too large", message = "m" .. n } }
  end
  local before = #H.notes
  expect(llmops.saw_result({ correct = true }) == nil, "nothing unsaved")
  expect(llmops.saw_result(not_saved(1)) == "m1", "first unsaved change")
  expect(llmops.saw_result(not_saved(1)) == nil, "the same change twice")
  expect(llmops.saw_result({ { id = "x" } }) == nil, "a list never carries it")
  expect(llmops.saw_result(not_saved(2)) == "m2", "a second unsaved change")
  expect(llmops.saw_result({ total = 3 }) == nil, "saved again")
  expect(llmops.saw_result(not_saved(1)) == "m1", "a new failure")
  local said = vim.list_slice(H.notes, before + 1)
  expect(#said == 3, "three warnings: %s", vim.inspect(said))
  for _, n in ipairs(said) do
    expect(n.level == vim.log.levels.WARN and H.contains(n.msg, "llmops: m"), "%s", vim.inspect(n))
  end
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
