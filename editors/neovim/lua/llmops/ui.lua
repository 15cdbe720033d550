-- Shared by the exercise float, the term page and the progress report:
-- word wrapping, the border (the plugin's option, else 'winborder', else
-- rounded), the size and a read-only scratch buffer.
local llmops = require("llmops")

local M = {}

--- Word-wraps `text` to `width` display cells. `prefix` starts the first
--- line, `hang` the others (hanging indent for choices).
function M.wrap(text, width, prefix, hang)
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

--- The border to pass to nvim_open_win, or nil to let Neovim apply
--- 'winborder'; and whether there is one (titles and footers need it).
function M.border()
  local b = llmops.config.float.border
  if b == nil then
    -- 'winborder' is 0.11+; reading an unknown option is an error.
    local wb = vim.fn.exists("+winborder") == 1 and vim.o.winborder or ""
    if wb ~= "" then
      return nil, wb ~= "none"
    end
    b = "rounded"
  end
  return b, b ~= "none" and b ~= ""
end

--- Width of the text area and the most rows a float may take.
function M.size()
  local width = math.max(20, math.min(llmops.config.float.width or 76, vim.o.columns - 4))
  return width, math.max(3, vim.o.lines - 4)
end

--- A scratch buffer for a float: wiped when hidden, not modifiable.
function M.scratch(filetype)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.bo[buf].bufhidden = "wipe"
  vim.bo[buf].filetype = filetype
  return buf
end

--- Replaces a scratch buffer's lines; `hls[lnum] = group` colours whole lines.
function M.set_lines(buf, ns, lines, hls)
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  for lnum, hl in pairs(hls or {}) do
    if lines[lnum] then
      vim.api.nvim_buf_set_extmark(buf, ns, lnum - 1, 0, { end_col = #lines[lnum], hl_group = hl })
    end
  end
end

--- Window config for a centred float of `height` text rows, with title and
--- footer when there is a border to hold them (footers are 0.10+).
function M.win_config(width, height, title, footer)
  local border, framed = M.border()
  local config = {
    relative = "editor",
    width = width,
    height = height,
    -- A border adds a cell on each side.
    row = math.max(0, math.floor((vim.o.lines - height - 2) / 2) - 1),
    col = math.max(0, math.floor((vim.o.columns - width - 2) / 2)),
    border = border,
  }
  if framed and title and vim.fn.has("nvim-0.9") == 1 then
    config.title = " " .. title .. " "
    config.title_pos = "center"
  end
  if framed and footer and vim.fn.has("nvim-0.10") == 1 then
    config.footer = " " .. footer .. " "
    config.footer_pos = "center"
  end
  return config
end

--- True when `footer` text can go in the window's footer.
function M.has_footer()
  local _, framed = M.border()
  return framed and vim.fn.has("nvim-0.10") == 1
end

--- Maps each key of `keys` (a string or a list) in normal mode.
function M.map(buf, keys, fn)
  if type(keys) == "string" then
    keys = { keys }
  end
  for _, lhs in ipairs(keys or {}) do
    vim.keymap.set("n", lhs, fn, { buffer = buf, nowait = true, silent = true })
  end
end

local page_ns = vim.api.nvim_create_namespace("llmops.page")

-- A read-only float of items: the term page and the progress view. Items
-- are `{ text, hl, prefix = ..., hang = ..., action = ... }`; a wrapped item
-- takes several lines, each of which carries its action, so <CR> anywhere
-- on it acts on it. `set` refills the same window (a folded module opened,
-- a related term followed), so navigation never stacks floats.
local Page = {}
Page.__index = Page

--- Opens a page float. `opts`: `keys` (lhs -> function(page), besides
--- <CR> and the close keys), `hint` (keys named in the footer before the
--- close key, e.g. "<CR> open").
--- `opts.enter(page, action)` runs on <CR> over a line with an action.
function M.page(title, items, filetype, opts)
  local page = setmetatable({ opts = opts or {}, actions = {} }, Page)
  page.buf = M.scratch(filetype)
  local keys = llmops.config.float.keys
  M.map(page.buf, keys.close, function()
    page:close()
  end)
  M.map(page.buf, "<CR>", function()
    local action = page:action()
    if action and page.opts.enter then
      page.opts.enter(page, action)
    end
  end)
  for lhs, fn in pairs(page.opts.keys or {}) do
    M.map(page.buf, lhs, function()
      fn(page)
    end)
  end
  page:set(title, items, page.opts.hint)
  return page
end

--- Replaces the page's title, items and footer hint, opening the window
--- the first time and resizing it after.
function Page:set(title, items, hint)
  local width, max_height = M.size()
  local lines, hls, actions = {}, {}, {}
  for _, item in ipairs(items) do
    local wrapped = M.wrap(item[1], width - 1, item.prefix or " ", item.hang or item.prefix or " ")
    for _, l in ipairs(wrapped) do
      table.insert(lines, l)
      hls[#lines] = item[2]
      actions[#lines] = item.action
    end
  end
  local keys = llmops.config.float.keys
  local close_key = type(keys.close) == "table" and keys.close[1] or keys.close
  local footer = ("%s close"):format(close_key)
  if hint then
    footer = hint .. " · " .. footer
  end
  if #lines > max_height then
    footer = "j/k scroll · " .. footer
  end
  if not M.has_footer() then
    vim.list_extend(lines, { "", " " .. footer })
    hls[#lines] = "Comment"
  end
  self.actions, self.title, self.hint = actions, title, hint
  M.set_lines(self.buf, page_ns, lines, hls)
  local config = M.win_config(width, math.min(#lines, max_height), title, footer)
  if self.win and vim.api.nvim_win_is_valid(self.win) then
    vim.api.nvim_win_set_config(self.win, config)
    return
  end
  config.style = "minimal"
  self.win = vim.api.nvim_open_win(self.buf, true, config)
  vim.wo[self.win].wrap = true
  vim.wo[self.win].linebreak = true
  -- <CR> acts on the cursor's line: show which one that is.
  vim.wo[self.win].cursorline = true
  vim.api.nvim_create_autocmd("WinLeave", {
    buffer = self.buf,
    once = true,
    callback = vim.schedule_wrap(function()
      self:close()
    end),
  })
end

--- The action of the line under the cursor (or of line `lnum`), if any.
function Page:action(lnum)
  if not self:valid() then
    return nil
  end
  return self.actions[lnum or vim.api.nvim_win_get_cursor(self.win)[1]]
end

--- Puts the cursor on the first line whose action `pred` accepts (else
--- on line `fallback`, else the first).
function Page:focus(pred, fallback)
  if not self:valid() then
    return
  end
  local target = fallback or 1
  for lnum = 1, vim.api.nvim_buf_line_count(self.buf) do
    if self.actions[lnum] and pred(self.actions[lnum]) then
      target = lnum
      break
    end
  end
  target = math.min(target, vim.api.nvim_buf_line_count(self.buf))
  vim.api.nvim_win_set_cursor(self.win, { target, 0 })
end

function Page:valid()
  return self.win ~= nil and vim.api.nvim_win_is_valid(self.win)
end

function Page:close()
  if self:valid() then
    vim.api.nvim_win_close(self.win, true)
  end
  self.win = nil
end

return M
