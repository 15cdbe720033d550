-- The exercise float: scenario, question and numbered choices; 1-4 answer,
-- n opens the next exercise, q/<Esc> close. One float at a time: opening
-- another exercise reuses it.
local llmops = require("llmops")

local M = {}

-- win, buf, client_id, exercise (openExercise result), result (answerExercise result)
M.state = {}

local ns = vim.api.nvim_create_namespace("llmops.exercise")

-- Word-wraps `text` to `width` display cells. `prefix` starts the first
-- line, `hang` the others (hanging indent for choices).
local function wrap(text, width, prefix, hang)
  local out = {}
  for para in (text .. "\n"):gmatch("(.-)\n") do
    local line, empty = prefix, true
    for word in para:gmatch("%S+") do
      if not empty and vim.fn.strdisplaywidth(line .. " " .. word) > width then
        table.insert(out, line)
        line = hang .. word
      else
        line = empty and line .. word or line .. " " .. word
      end
      empty = false
    end
    table.insert(out, line)
    prefix = hang
  end
  return out
end

local function size()
  local width = math.max(20, math.min(80, vim.o.columns - 4))
  return width, math.max(3, vim.o.lines - 4)
end

-- Builds the float's lines and their highlights from the state.
local function build(width)
  local ex, res = M.state.exercise, M.state.result
  local lines, hls = {}, {}
  local function add(text_lines, hl)
    for _, l in ipairs(text_lines) do
      table.insert(lines, l)
      if hl then
        hls[#lines] = hl
      end
    end
  end
  local text_width = width - 1

  local header = ("Term: %s · exercise %d of %d"):format(ex.termName, ex.number, ex.total)
  if ex.completed then
    header = header .. " · completed"
  end
  add({ " " .. header }, "Comment")
  add({ "" })
  add(wrap(ex.scenario, text_width, " ", " "))
  add({ "" })
  add(wrap(ex.question, text_width, " ", " "), "Title")
  add({ "" })
  local right, chosen
  for i, c in ipairs(ex.choices) do
    if res and c.id == res.rightChoice then
      right = i
    end
    if res and c.id == res.chosen then
      chosen = i
    end
  end
  for i, c in ipairs(ex.choices) do
    -- A two-cell gutter marks the right and the wrongly chosen answer.
    local mark, hl = "  ", nil
    if i == right then
      mark, hl = "✓ ", "DiagnosticOk"
    elseif i == chosen then
      mark, hl = "✗ ", "DiagnosticError"
    end
    add(wrap(c.text, text_width, " " .. mark .. i .. ". ", "      "), hl)
  end

  local verdict_line, keys
  if not res then
    keys = ("1-%d answer · q close"):format(#ex.choices)
  else
    add({ "" })
    verdict_line = #lines + 1
    if res.correct then
      add({ " Correct!" }, "DiagnosticOk")
    else
      add({ (" Not quite — the answer is %d"):format(right or 0) }, "DiagnosticError")
    end
    add({ "" })
    add(wrap(res.explanation, text_width, " ", " "))
    add({ "" })
    local p = res.progress or {}
    add({ (" Progress: %d/%d completed"):format(p.completed or 0, p.total or 0) }, "Comment")
    keys = llmops.value(res.nextExerciseId) and "n next exercise · q close" or "all exercises done · q close"
  end
  return lines, hls, verdict_line, keys
end

local function close()
  local win = M.state.win
  M.state.win = nil
  if win and vim.api.nvim_win_is_valid(win) then
    vim.api.nvim_win_close(win, true)
  end
end

local function render()
  local st = M.state
  local width, max_height = size()
  local lines, hls, verdict_line, keys = build(width)
  -- Keys go in the footer (0.10+), which stays visible when the text
  -- scrolls; older versions get them as the last line.
  local footer = vim.fn.has("nvim-0.10") == 1
  if not footer then
    vim.list_extend(lines, { "", " " .. keys })
    hls[#lines] = "Comment"
  end

  if not (st.buf and vim.api.nvim_buf_is_valid(st.buf)) then
    st.buf = vim.api.nvim_create_buf(false, true)
    vim.bo[st.buf].bufhidden = "wipe"
    vim.bo[st.buf].filetype = "llmops_exercise"
    M.keymaps(st.buf)
  end
  vim.bo[st.buf].modifiable = true
  vim.api.nvim_buf_set_lines(st.buf, 0, -1, false, lines)
  vim.bo[st.buf].modifiable = false
  vim.api.nvim_buf_clear_namespace(st.buf, ns, 0, -1)
  for lnum, hl in pairs(hls) do
    vim.api.nvim_buf_set_extmark(st.buf, ns, lnum - 1, 0, { end_col = #lines[lnum], hl_group = hl })
  end

  local height = math.min(#lines, max_height)
  local config = {
    relative = "editor",
    width = width,
    height = height,
    -- The border adds a cell on each side.
    row = math.max(0, math.floor((vim.o.lines - height - 2) / 2) - 1),
    col = math.floor((vim.o.columns - width - 2) / 2),
    border = "rounded",
  }
  -- Float titles exist since 0.9.
  if vim.fn.has("nvim-0.9") == 1 then
    config.title = " " .. st.exercise.title .. " "
    config.title_pos = "center"
  end
  if footer then
    if #lines > height then
      keys = "j/k scroll · " .. keys
    end
    config.footer = " " .. keys .. " "
    config.footer_pos = "center"
  end
  if st.win and vim.api.nvim_win_is_valid(st.win) then
    vim.api.nvim_win_set_config(st.win, config)
  else
    config.style = "minimal"
    st.win = vim.api.nvim_open_win(st.buf, true, config)
    vim.wo[st.win].wrap = true
    vim.wo[st.win].linebreak = true
    -- A float left behind under other windows is just clutter. Scheduled:
    -- closing a window inside WinLeave is not allowed.
    vim.api.nvim_create_autocmd("WinLeave", { buffer = st.buf, once = true, callback = vim.schedule_wrap(close) })
  end
  -- Taller than the screen: scroll so the verdict is in view.
  vim.api.nvim_win_set_cursor(st.win, { verdict_line or 1, 0 })
end

local function answer(i)
  local st = M.state
  local choice = st.exercise and st.exercise.choices[i]
  if not choice or st.result or st.busy then
    return
  end
  local client = llmops.client(nil, st.client_id)
  if not client then
    return llmops.notify("llmops-lsp stopped", vim.log.levels.ERROR)
  end
  st.busy = true
  local args = { { exerciseId = st.exercise.id, choice = choice.id } }
  llmops.execute(client, "llmops.answerExercise", args, function(err, result)
    st.busy = false
    if err then
      return llmops.notify(err.message, vim.log.levels.ERROR)
    end
    st.result = result
    render()
  end)
end

local function next_exercise()
  local res = M.state.result
  local id = res and llmops.value(res.nextExerciseId)
  if id then
    M.open({ exerciseId = id }, M.state.client_id)
  elseif res then
    llmops.notify("all exercises completed")
  end
end

function M.keymaps(buf)
  local function map(lhs, fn)
    vim.keymap.set("n", lhs, fn, { buffer = buf, nowait = true, silent = true })
  end
  for i = 1, 9 do
    map(tostring(i), function()
      answer(i)
    end)
  end
  map("n", next_exercise)
  map("q", close)
  map("<Esc>", close)
end

--- Fetches an exercise and shows it.
--- @param arg table `{ exerciseId = id }` or `{ termId = id }`
--- @param client_id integer? the client that offered it (code action)
function M.open(arg, client_id)
  local client = llmops.client(nil, client_id)
  if not client then
    return llmops.notify("llmops-lsp is not running; see :checkhealth llmops", vim.log.levels.WARN)
  end
  llmops.execute(client, "llmops.openExercise", { arg }, function(err, exercise)
    if err then
      return llmops.notify(err.message, vim.log.levels.ERROR)
    end
    M.state.client_id = client.id
    M.state.exercise = exercise
    M.state.result = nil
    M.state.busy = false
    render()
  end)
end

M.close = close

return M
