-- The exercise float: scenario, snippet, question and numbered choices.
-- 1-4 answer; after a wrong answer the float says why that choice is wrong
-- and the learner tries again or reveals the answer; n opens the next
-- exercise, o goes back to the line it was opened from, q/<Esc> close. One
-- float at a time: opening another exercise reuses it.
local llmops = require("llmops")
local ui = require("llmops.ui")

local M = {}

-- win, buf, client_id, exercise (openExercise result), result (the last
-- answerExercise result), wrong (choice id -> true), revealed (revealAnswer
-- result), busy
M.state = {}

local ns = vim.api.nvim_create_namespace("llmops.exercise")

-- Snippet languages whose names differ from Neovim's filetypes.
local FILETYPES = {
  py = "python",
  ts = "typescript",
  js = "javascript",
  yml = "yaml",
  bash = "sh",
  shell = "sh",
  console = "sh",
  ini = "dosini",
}

-- The filetype whose syntax highlights a snippet language, if Neovim has
-- a syntax file for it ("python", "yaml", "json", "toml", "sh"...).
local function filetype_of(language)
  local lang = tostring(language or ""):lower()
  local ft = FILETYPES[lang] or (lang:match("^[%w_]+$") and lang)
  if ft and #vim.api.nvim_get_runtime_file("syntax/" .. ft .. ".vim", false) > 0 then
    return ft
  end
end

-- Highlights lines first..last of the float's buffer with the language's
-- own syntax (`:syntax include`, a region over exactly those lines), and
-- clears what an earlier exercise set.
local function highlight_snippet(buf, snippet)
  vim.api.nvim_buf_call(buf, function()
    vim.cmd("syntax clear")
    local ft = snippet and filetype_of(snippet.language)
    if not ft then
      return
    end
    vim.b.current_syntax = nil
    if not pcall(vim.cmd, ("syntax include @llmopsSnippet syntax/%s.vim"):format(ft)) then
      return
    end
    vim.cmd(
      ("syntax region llmopsSnippet start=/\\%%%dl/ end=/\\%%%dl$/ keepend contains=@llmopsSnippet"):format(
        snippet.first,
        snippet.last
      )
    )
  end)
end

local function key_name(keys)
  return type(keys) == "table" and keys[1] or keys
end

-- The number shown for a choice id, or nil.
local function number_of(ex, id)
  for i, c in ipairs(ex.choices) do
    if c.id == id then
      return i
    end
  end
end

-- "Latency 4 / 12" for the exercise's module, from a progress object.
local function module_line(ex, progress)
  local module = llmops.value(ex.module)
  for _, m in ipairs(llmops.value(progress and progress.modules) or {}) do
    if m.id == module then
      return ("%s %d / %d"):format(m.name or m.id, m.completed or 0, m.total or 0)
    end
  end
end

-- Builds the float's lines and their highlights from the state. Returns
-- lines, highlights, the verdict's line number and the footer's keys.
local function build(width)
  local st = M.state
  local ex, res, revealed = st.exercise, st.result, st.revealed
  local keys = llmops.config.float.keys
  local lines, hls = {}, {}
  local function add(text_lines, hl)
    for _, l in ipairs(text_lines) do
      table.insert(lines, l)
      if hl then
        hls[#lines] = hl
      end
    end
  end
  local w = width - 1

  -- Opened from a hint: the page starts with the line it came from (the
  -- server made it one inert line); the origin key goes back there.
  local origin = llmops.value(ex.origin)
  if type(origin) == "table" and type(origin.path) == "string" then
    local where = ("%s:%d"):format(origin.path, (tonumber(origin.line) or 0) + 1)
    add(ui.wrap(("You met this in %s: %s"):format(where, origin.text or ""), w, " ", "   "), "Comment")
    add({ "" })
  end

  -- Before the first answer nothing names the term (its name, and for a
  -- generated question the right choice itself): it comes with the answer.
  local answered = res ~= nil or revealed ~= nil
  local header = {}
  if answered then
    table.insert(header, "Term: " .. ex.termName)
  end
  if llmops.value(ex.moduleName) or llmops.value(ex.module) then
    table.insert(header, llmops.value(ex.moduleName) or ex.module)
  end
  local number = llmops.value(ex.number)
  table.insert(header, number and ("exercise %d of %d"):format(number, ex.total) or "review question")
  if ex.completed then
    table.insert(header, "completed")
  end
  add(ui.wrap(table.concat(header, " · "), w, " ", " "), "Comment")
  add({ "" })
  add(ui.wrap(ex.scenario, w, " ", " "))
  add({ "" })
  -- The snippet as a code block: never wrapped or reflowed, indented, in
  -- its language's highlighting (see highlight_snippet); its caption above.
  local snippet = llmops.value(ex.snippet)
  local code_block
  if type(snippet) == "table" and type(snippet.code) == "string" then
    if llmops.value(snippet.caption) then
      add(ui.wrap(snippet.caption, w, " ", " "), "Comment")
    end
    local first = #lines + 1
    for _, l in ipairs(vim.split(snippet.code, "\n", { plain = true })) do
      add({ "   " .. (l:gsub("[\r]", ""):gsub("\t", "    ")) })
    end
    code_block = { first = first, last = #lines, language = snippet.language }
    add({ "" })
  end
  add(ui.wrap(ex.question, w, " ", " "), "Title")
  add({ "" })

  local solved = res and res.correct
  local right = (solved and res.rightChoice) or (revealed and revealed.rightChoice) or nil
  for i, c in ipairs(ex.choices) do
    -- A two-cell gutter marks the right answer (once it may be shown) and
    -- every choice tried and found wrong.
    local mark, hl = "  ", nil
    if right and c.id == right then
      mark, hl = "✓ ", "DiagnosticOk"
    elseif st.wrong[c.id] then
      mark, hl = "✗ ", "DiagnosticError"
    end
    add(ui.wrap(c.text, w, " " .. mark .. i .. ". ", "      "), hl)
  end

  local footer
  local n = #ex.choices
  local close = key_name(keys.close) .. " close"
  local verdict_line
  if revealed then
    add({ "" })
    verdict_line = #lines + 1
    add({ (" The answer is %d."):format(number_of(ex, revealed.rightChoice) or 0) }, "DiagnosticOk")
    local why = llmops.value(revealed.why) or {}
    for i, c in ipairs(ex.choices) do
      if why[c.id] then
        add({ "" })
        add(ui.wrap(why[c.id], w, (" %d. "):format(i), "    "), c.id == revealed.rightChoice and "DiagnosticOk" or nil)
      end
    end
    if llmops.value(revealed.explanation) then
      add({ "" })
      add(ui.wrap(revealed.explanation, w, " ", " "))
    end
    add({ "" })
    add({ " It comes back for review; answer it right then to complete it." }, "Comment")
  elseif res and res.correct then
    add({ "" })
    verdict_line = #lines + 1
    add({ " Correct!" }, "DiagnosticOk")
    local why = llmops.value(res.why) or {}
    if why[res.chosen] then
      add(ui.wrap(why[res.chosen], w, " ", " "))
    end
    if llmops.value(res.explanation) then
      add({ "" })
      add(ui.wrap(res.explanation, w, " ", " "))
    end
  elseif res then
    add({ "" })
    verdict_line = #lines + 1
    local i = number_of(ex, res.chosen) or 0
    local why = (llmops.value(res.why) or {})[res.chosen]
    add({ (" ✗ Not %d."):format(i) }, "DiagnosticError")
    if why then
      add(ui.wrap(why, w, " ", " "))
    end
    add({ "" })
    add(
      ui.wrap(
        ("Try another choice (1-%d), or press %s to see the answer."):format(n, key_name(keys.reveal)),
        w,
        " ",
        " "
      ),
      "Comment"
    )
  end

  -- The key vocabulary, from the first answer on: its first entry is the
  -- exercise's own term, whose definition the right choice echoes. (An
  -- older server sends it with the exercise; it still waits.)
  if answered then
    local vocabulary = llmops.value((revealed and revealed.vocabulary) or (res and res.vocabulary))
      or llmops.value(ex.vocabulary)
      or {}
    if #vocabulary > 0 then
      add({ "" })
      add({ " Vocabulary" }, "Title")
      for _, v in ipairs(vocabulary) do
        add(ui.wrap(("%s: %s"):format(v.name or v.id or "", v.definition or ""), w, " ", "   "))
      end
    end
  end

  local progress = st.standing or (res and res.progress)
  if verdict_line and progress then
    local parts = { ("Progress: %d/%d exercises"):format(progress.completed or 0, progress.total or 0) }
    local module = module_line(ex, progress)
    if module then
      table.insert(parts, module)
    end
    add({ "" })
    add({ " " .. table.concat(parts, " · ") }, "Comment")
  end

  if revealed or (res and res.correct) then
    local next_id = llmops.value((res and res.nextExerciseId) or (revealed and revealed.nextExerciseId))
    footer = (next_id and (key_name(keys.next) .. " next exercise") or "all exercises done") .. " · " .. close
  elseif res then
    footer = ("1-%d try again · %s answer · %s"):format(n, key_name(keys.reveal), close)
  else
    footer = ("1-%d answer · %s"):format(n, close)
  end
  if type(origin) == "table" and keys.origin then
    footer = footer .. " · " .. key_name(keys.origin) .. " your file"
  end
  return lines, hls, verdict_line, footer, code_block
end

local function close_window()
  local win = M.state.win
  M.state.win = nil
  if win and vim.api.nvim_win_is_valid(win) then
    vim.api.nvim_win_close(win, true)
  end
end

-- q/<Esc>: the sitting ends.
local function close()
  M.state.kept = false
  close_window()
end

-- Leaving the float (Ctrl-W w, a click in the file) only hides it: the
-- sitting (exercise, wrong tries, verdict) is kept, and opening the same
-- exercise or term again, or :LlmopsExercise with no argument, shows it as
-- it was instead of a fresh exercise.
local function hide()
  if M.state.win then
    M.state.kept = M.state.exercise ~= nil
  end
  close_window()
end

local function render()
  local st = M.state
  local width, max_height = ui.size()
  local lines, hls, verdict_line, footer, code_block = build(width)
  local in_footer = ui.has_footer()
  local height = math.min(#lines + (in_footer and 0 or 2), max_height)
  if #lines + (in_footer and 0 or 2) > height then
    footer = "j/k scroll · " .. footer
  end
  -- Keys go in the footer (0.10+, with a border), which stays visible when
  -- the text scrolls; otherwise they are the last line.
  if not in_footer then
    vim.list_extend(lines, { "", " " .. footer })
    hls[#lines] = "Comment"
  end

  if not (st.buf and vim.api.nvim_buf_is_valid(st.buf)) then
    st.buf = ui.scratch("llmops_exercise")
    M.keymaps(st.buf)
  end
  ui.set_lines(st.buf, ns, lines, hls)
  highlight_snippet(st.buf, code_block)

  local config = ui.win_config(width, height, st.exercise.title, footer)
  if st.win and vim.api.nvim_win_is_valid(st.win) then
    vim.api.nvim_win_set_config(st.win, config)
  else
    config.style = "minimal"
    st.win = vim.api.nvim_open_win(st.buf, true, config)
    vim.wo[st.win].wrap = true
    vim.wo[st.win].linebreak = true
    -- A float left behind under other windows is just clutter. Scheduled:
    -- closing a window inside WinLeave is not allowed.
    vim.api.nvim_create_autocmd("WinLeave", { buffer = st.buf, once = true, callback = vim.schedule_wrap(hide) })
  end
  -- Taller than the window: the verdict goes to the top, so that it and
  -- what follows (why, explanation) are in view; else the text's start.
  vim.api.nvim_win_call(st.win, function()
    local top = 1
    if verdict_line and #lines > height then
      top = math.max(1, math.min(verdict_line - 1, #lines - height + 1))
    end
    vim.fn.winrestview({ topline = top, lnum = verdict_line or 1, col = 0 })
  end)
end

-- After an answer: the standing with its modules (`llmops.progress`), for
-- the "Latency 4 / 24" part of the progress line.
local function refresh_standing()
  local st = M.state
  local exercise = st.exercise
  llmops.run("llmops.progress", {}, function(standing)
    if st.exercise == exercise and st.win and vim.api.nvim_win_is_valid(st.win) then
      st.standing = standing
      M.render()
    end
  end, st.client_id)
end

-- Why a digit does nothing now, or nil when it answers: once the answer
-- is shown the keys that still work are named, instead of a silent key.
local function why_not_answer(i)
  local st = M.state
  local keys = llmops.config.float.keys
  local done = st.revealed or (st.result and st.result.correct)
  if done then
    local next_id = llmops.value((st.revealed or st.result).nextExerciseId)
    local what = st.revealed and "answer shown" or "answered"
    if next_id then
      return ("%s: press %s for the next exercise"):format(what, key_name(keys.next))
    end
    return ("%s: all exercises done; %s closes"):format(what, key_name(keys.close))
  end
  local n = #st.exercise.choices
  local choice = st.exercise.choices[i]
  if not choice then
    return ("no choice %d: answer 1-%d"):format(i, n)
  end
  if st.wrong[choice.id] then
    return ("%d was tried: try another choice, or %s to see the answer"):format(i, key_name(keys.reveal))
  end
end

local function answer(i)
  local st = M.state
  if not st.exercise or st.busy then
    return
  end
  local why = why_not_answer(i)
  if why then
    return llmops.notify(why)
  end
  local choice = st.exercise.choices[i]
  st.busy = true
  local args = { { exerciseId = st.exercise.id, choice = choice.id } }
  llmops.run("llmops.answerExercise", args, function(result)
    st.busy = false
    if not result.correct then
      st.wrong[result.chosen or choice.id] = true
    end
    result.chosen = result.chosen or choice.id
    st.result = result
    st.standing = nil
    render()
    refresh_standing()
  end, st.client_id)
end

local function reveal()
  local st = M.state
  if not st.result or st.result.correct or st.revealed or st.busy then
    return
  end
  st.busy = true
  llmops.run("llmops.revealAnswer", { { exerciseId = st.exercise.id } }, function(result)
    st.busy = false
    result.nextExerciseId = llmops.value(result.nextExerciseId) or llmops.value(st.result.nextExerciseId)
    st.revealed = result
    render()
    refresh_standing()
  end, st.client_id)
end

local function next_exercise()
  local st = M.state
  local done = st.revealed or (st.result and st.result.correct)
  local id = done and llmops.value((st.revealed or st.result).nextExerciseId)
  if id then
    M.open({ exerciseId = id }, st.client_id)
  elseif done then
    llmops.notify("all exercises completed")
  end
end

-- Back to the line the exercise was opened from: closes the float and
-- shows that spot (the client's position encoding, as the server gave it).
local function go_to_origin()
  local st = M.state
  local origin = st.exercise and llmops.value(st.exercise.origin)
  if type(origin) ~= "table" or type(origin.uri) ~= "string" or origin.uri:match("^command:") then
    return
  end
  local client = st.client_id and vim.lsp.get_client_by_id(st.client_id)
  local encoding = (client and client.offset_encoding) or "utf-16"
  local at = { line = tonumber(origin.line) or 0, character = tonumber(origin.character) or 0 }
  local location = { uri = origin.uri, range = { start = at, ["end"] = at } }
  close()
  if vim.lsp.util.show_document then
    vim.lsp.util.show_document(location, encoding, { focus = true })
  else
    vim.lsp.util.jump_to_location(location, encoding)
  end
end

function M.keymaps(buf)
  local keys = llmops.config.float.keys
  for i = 1, 9 do
    ui.map(buf, tostring(i), function()
      answer(i)
    end)
  end
  ui.map(buf, keys.next, next_exercise)
  ui.map(buf, keys.reveal, reveal)
  if keys.origin then
    ui.map(buf, keys.origin, go_to_origin)
  end
  ui.map(buf, keys.close, close)
end

--- Fetches an exercise and shows it (starting the server if needed), or
--- shows the sitting left open (`kept`) again when `arg` asks for it.
--- @param arg table? `{ exerciseId = id }`, `{ termId = id }`, or nil for
--- the sitting left open
--- @param client_id integer? the client that offered it (code action)
function M.open(arg, client_id)
  local st = M.state
  local kept = st.kept and st.exercise
  if kept and (arg == nil or arg.exerciseId == kept.id or arg.termId == kept.term) then
    st.kept = false
    return render()
  end
  if arg == nil then
    return llmops.notify("no exercise left open; try :LlmopsExercise <id>", vim.log.levels.WARN)
  end
  llmops.run("llmops.openExercise", { arg }, function(exercise, client)
    -- Learn on the same term may name another of its exercises (the one
    -- seen least recently): the sitting left open is the one to go on with.
    if st.kept and st.exercise and exercise.term == st.exercise.term then
      st.kept = false
      return render()
    end
    st.kept = false
    st.client_id = client.id
    st.exercise = exercise
    st.result, st.revealed, st.busy, st.wrong, st.standing = nil, nil, false, {}, nil
    render()
  end, client_id)
end

M.close = close

--- True while a sitting was left (not closed) and can be shown again.
function M.kept()
  return M.state.kept == true and M.state.exercise ~= nil
end
M.render = render

return M
