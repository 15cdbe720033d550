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

--- Opens a read-only float of `lines` (`{ text, hl }` pairs): the term page
--- and the progress report. `q`/`<Esc>` (the close keys) close it.
function M.page(title, items, filetype)
  local width, max_height = M.size()
  local lines, hls = {}, {}
  for _, item in ipairs(items) do
    local wrapped = M.wrap(item[1], width - 1, item.prefix or " ", item.hang or item.prefix or " ")
    for _, l in ipairs(wrapped) do
      table.insert(lines, l)
      hls[#lines] = item[2]
    end
  end
  local keys = llmops.config.float.keys
  local close_key = type(keys.close) == "table" and keys.close[1] or keys.close
  local footer = ("%s close"):format(close_key)
  if #lines > max_height then
    footer = "j/k scroll · " .. footer
  end
  if not M.has_footer() then
    vim.list_extend(lines, { "", " " .. footer })
    hls[#lines] = "Comment"
  end
  local buf = M.scratch(filetype)
  M.set_lines(buf, page_ns, lines, hls)
  local config = M.win_config(width, math.min(#lines, max_height), title, footer)
  config.style = "minimal"
  local win = vim.api.nvim_open_win(buf, true, config)
  vim.wo[win].wrap = true
  vim.wo[win].linebreak = true
  local function close()
    if vim.api.nvim_win_is_valid(win) then
      vim.api.nvim_win_close(win, true)
    end
  end
  M.map(buf, keys.close, close)
  vim.api.nvim_create_autocmd("WinLeave", { buffer = buf, once = true, callback = vim.schedule_wrap(close) })
  return win, buf
end

return M
