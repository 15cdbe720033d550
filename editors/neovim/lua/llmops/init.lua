-- llmops.nvim: the Neovim side of llmops-lsp.
--
-- The server does all the work (spotting terms, hovers, code actions,
-- progress). This module only starts it, and adds what LSP cannot express:
-- a float for the exercises and two user commands.
local M = {}

M.name = "llmops"

local defaults = {
  cmd = { "llmops-lsp" },
  -- nil: every filetype. The server spots terms in any text.
  filetypes = nil,
  -- One client per root; `.llmops/` holds a team's content packs.
  root_markers = { ".llmops", ".git" },
  -- The `llmops` settings (severity, exclude, languages, ...); either the
  -- inner table or `{ llmops = { ... } }`.
  settings = {},
  -- nil: vim.lsp.config/enable when Neovim has them (0.11+), else
  -- vim.lsp.start from a FileType autocmd. false forces the latter.
  use_lsp_enable = nil,
}

M.config = vim.deepcopy(defaults)
M.did_setup = false

local function has(version)
  return vim.fn.has("nvim-" .. version) == 1
end

function M.notify(msg, level)
  vim.notify("llmops: " .. msg, level or vim.log.levels.INFO)
end

-- JSON null arrives as vim.NIL, which is truthy in Lua.
function M.value(v)
  if v == vim.NIL then
    return nil
  end
  return v
end

-- vim.lsp.get_clients is 0.10+; get_active_clients takes the same filter.
function M.clients(filter)
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  return get(filter)
end

-- The given client, else the buffer's (its root's team packs may add
-- exercises), else any llmops client: progress is per user, not per root.
function M.client(bufnr, client_id)
  if client_id then
    local client = vim.lsp.get_client_by_id(client_id)
    if client then
      return client
    end
  end
  local list = M.clients({ name = M.name, bufnr = bufnr or vim.api.nvim_get_current_buf() })
  if #list == 0 then
    list = M.clients({ name = M.name })
  end
  return list[1]
end

-- Sends workspace/executeCommand. The Client methods take `self` since 0.11
-- (client:request); older versions only have the dot form.
function M.execute(client, command, arguments, callback)
  local params = { command = command, arguments = arguments }
  local function handler(err, result)
    callback(err, M.value(result))
  end
  if has("0.11") then
    client:request("workspace/executeCommand", params, handler)
  else
    client.request("workspace/executeCommand", params, handler)
  end
end

-- Blocking variant, for completion and scripts; returns result, error.
function M.execute_sync(command, arguments, timeout_ms, bufnr)
  local client = M.client(bufnr)
  if not client then
    return nil, "llmops-lsp is not running"
  end
  local params = { command = command, arguments = arguments }
  local response, err
  if has("0.11") then
    response, err = client:request_sync("workspace/executeCommand", params, timeout_ms or 2000)
  else
    response, err = client.request_sync("workspace/executeCommand", params, timeout_ms or 2000)
  end
  if not response then
    return nil, err
  end
  if response.err then
    return nil, response.err.message
  end
  return M.value(response.result), nil
end

-- The server reads settings from initializationOptions (in effect before the
-- first diagnostics) and later asks workspace/configuration for the `llmops`
-- section; give it both. An empty table would be sent as a JSON array, which
-- the server rejects, so no settings means none sent at all.
local function lsp_settings()
  local inner = M.config.settings or {}
  inner = inner.llmops or inner
  if next(inner) == nil then
    return nil
  end
  return { llmops = inner }
end

local function client_config()
  local settings = lsp_settings()
  return {
    name = M.name,
    cmd = M.config.cmd,
    filetypes = M.config.filetypes,
    root_markers = M.config.root_markers,
    settings = settings,
    init_options = settings,
  }
end

-- Neovim 0.8 to 0.10: start or reuse a client per root ourselves.
local function find_root(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" then
    return nil
  end
  local found = vim.fs.find(M.config.root_markers, { upward = true, path = vim.fs.dirname(name) })[1]
  return found and vim.fs.dirname(found) or nil
end

local function attach(bufnr)
  -- Like vim.lsp.enable: only buffers that are real files.
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= "" then
    return
  end
  local ft = vim.bo[bufnr].filetype
  if M.config.filetypes and not vim.tbl_contains(M.config.filetypes, ft) then
    return
  end
  local config = client_config()
  config.root_markers = nil
  config.root_dir = find_root(bufnr)
  local function reuse(client, conf)
    return client.name == conf.name and client.config.root_dir == conf.root_dir
  end
  -- vim.lsp.start on 0.8/0.9 attaches the current buffer and has no bufnr
  -- option, so run it with bufnr current.
  vim.api.nvim_buf_call(bufnr, function()
    vim.lsp.start(config, { bufnr = bufnr, reuse_client = reuse })
  end)
end

local function start_clients()
  local group = vim.api.nvim_create_augroup("llmops.start", { clear = true })
  local use_enable = M.config.use_lsp_enable
  if use_enable == nil then
    use_enable = vim.lsp.config ~= nil and vim.lsp.enable ~= nil
  end
  if use_enable then
    -- Assigned, not merged: a second setup() replaces the first one's options.
    vim.lsp.config[M.name] = client_config()
    -- Also re-runs FileType for buffers already open (lazy loading).
    vim.lsp.enable(M.name)
    return
  end
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    callback = function(args)
      attach(args.buf)
    end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].filetype ~= "" then
      attach(bufnr)
    end
  end
end

-- The exercise behind the llmops diagnostic under the cursor, as the
-- argument of llmops.openExercise. Falls back to the first one on the line.
function M.term_under_cursor()
  local row, col = unpack(vim.api.nvim_win_get_cursor(0))
  local first
  for _, d in ipairs(vim.diagnostic.get(0, { lnum = row - 1 })) do
    if d.source == "llmops" then
      local data = d.user_data and d.user_data.lsp and M.value(d.user_data.lsp.data) or {}
      local arg = M.value(data.exerciseId) and { exerciseId = data.exerciseId }
        or { termId = M.value(data.termId) or d.code }
      if col >= d.col and (d.end_lnum ~= d.lnum or col < d.end_col) then
        return arg
      end
      first = first or arg
    end
  end
  return first
end

local function complete_exercise_ids(lead)
  local list = M.execute_sync("llmops.listExercises", {}, 1000) or {}
  local ids = {}
  for _, e in ipairs(list) do
    if e.id:find(lead, 1, true) == 1 then
      table.insert(ids, e.id)
    end
  end
  return ids
end

function M.progress()
  local client = M.client()
  if not client then
    return M.notify("llmops-lsp is not running; see :checkhealth llmops", vim.log.levels.WARN)
  end
  M.execute(client, "llmops.listExercises", {}, function(err, list)
    if err then
      return M.notify(err.message, vim.log.levels.ERROR)
    end
    M.execute(client, "llmops.progress", {}, function(err2, p)
      if err2 then
        return M.notify(err2.message, vim.log.levels.ERROR)
      end
      local chunks = {
        {
          ("llmops: %d/%d completed, %d terms known, %d due for review\n"):format(
            p.completed,
            p.total,
            p.known or 0,
            p.due or 0
          ),
          "Title",
        },
      }
      for _, e in ipairs(list) do
        local line = ("  [%s] %-18s %s (%s)"):format(e.completed and "x" or " ", e.id, e.title, e.termName)
        if e.attempts > 0 then
          line = line .. (", %d attempt%s"):format(e.attempts, e.attempts == 1 and "" or "s")
        end
        table.insert(chunks, { line .. "\n", e.completed and "DiagnosticOk" or "Normal" })
      end
      vim.api.nvim_echo(chunks, true, {})
    end)
  end)
end

function M.setup(opts)
  if not has("0.8") then
    vim.notify("llmops.nvim needs Neovim 0.8+", vim.log.levels.ERROR)
    return
  end
  M.config = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts or {})
  -- tbl_deep_extend merges lists by index; take the user's lists whole.
  M.config.cmd = (opts or {}).cmd or defaults.cmd
  M.config.root_markers = (opts or {}).root_markers or defaults.root_markers
  M.config.filetypes = (opts or {}).filetypes

  if vim.fn.executable(M.config.cmd[1]) == 0 then
    M.notify(M.config.cmd[1] .. " is not executable; set `cmd` in setup()", vim.log.levels.WARN)
  end

  -- The code action's command: the server only names the exercise, the
  -- client shows it.
  vim.lsp.commands["llmops.openExercise"] = function(command, ctx)
    local arg = (command.arguments or {})[1] or {}
    require("llmops.exercise").open(arg, ctx and ctx.client_id)
  end

  vim.api.nvim_create_user_command("LlmopsExercise", function(cmd)
    local arg = cmd.args ~= "" and { exerciseId = cmd.args } or M.term_under_cursor()
    if not arg then
      return M.notify("no LLMOps term under the cursor; try :LlmopsExercise <id>", vim.log.levels.WARN)
    end
    require("llmops.exercise").open(arg)
  end, { nargs = "?", complete = complete_exercise_ids, desc = "Open an llmops exercise" })

  vim.api.nvim_create_user_command("LlmopsProgress", M.progress, { desc = "Show llmops progress" })

  start_clients()
  M.did_setup = true
end

return M
