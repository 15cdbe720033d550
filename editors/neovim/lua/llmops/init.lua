-- llmops.nvim: the Neovim side of llmops-lsp.
--
-- The server does all the work (spotting terms, hovers, code actions,
-- progress). This module only starts it, and adds what LSP cannot express:
-- a float for the exercises, a term page and a few user commands.
local M = {}

M.name = "llmops"

-- The plugin's folder (editors/neovim), from this file's path.
M.root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h:h")

local defaults = {
  cmd = { "llmops-lsp" },
  -- nil: every filetype. The server spots terms in any text.
  filetypes = nil,
  -- One client per root; `.llmops/` holds a team's content packs.
  root_markers = { ".llmops", ".git" },
  -- The `llmops` settings (severity, exclude, languages, ...); either the
  -- inner table or `{ llmops = { ... } }`; merged over these. In code a term
  -- is marked once per file (a module repeats `ttft_ms` on many lines), in
  -- prose (Markdown, text, ...) wherever it is used.
  settings = { firstOccurrenceOnly = "code" },
  -- Team packs (`.llmops/*.toml`) come with whatever repository you cloned:
  -- they load only once you trust them (:LlmopsTrust, Neovim's :trust list,
  -- by a hash of each file). true loads them without asking, as the server
  -- does for clients that send nothing. `settings.workspacePacks = false`
  -- turns them off either way.
  trust_workspace_packs = false,
  -- nil: vim.lsp.config/enable when Neovim has them (0.11+), else
  -- vim.lsp.start from a FileType autocmd. false forces the latter.
  use_lsp_enable = nil,
  -- vim.diagnostic.config() for the llmops diagnostics only, whatever the
  -- global config says. A term is a hint, not a problem: it is underlined;
  -- no text at the end of the line (a file full of terms would print one
  -- message per line), no sign column entry (it would appear on most lines
  -- of a design doc). Turn them on with `diagnostics = { virtual_text = true }`.
  diagnostics = {
    underline = true,
    virtual_text = false,
    virtual_lines = false,
    signs = false,
    update_in_insert = false,
  },
  -- The exercise float and the term page.
  float = {
    -- Most columns the text uses; narrower terminals get what fits.
    width = 76,
    -- nil: 'winborder' when set (0.11+), else "rounded". Any border
    -- nvim_open_win() takes, or "none".
    border = nil,
    keys = {
      next = "n",
      reveal = "r",
      -- Back to the line the exercise was opened from (a Learn action or link).
      origin = "o",
      close = { "q", "<Esc>" },
    },
  },
}

M.defaults = defaults
M.config = vim.deepcopy(defaults)
M.did_setup = false

local function has(version)
  return vim.fn.has("nvim-" .. version) == 1
end

--- True on the Neovim versions the plugin supports (0.8+).
function M.supported()
  return has("0.8")
end

-- On an old Neovim, one quiet line once the screen is up: dotfiles are
-- shared across machines, and an error (with its hit-enter prompt) on every
-- start of an old one helps nobody.
function M.old_version_notice()
  if vim.g.llmops_old_notice then
    return
  end
  vim.g.llmops_old_notice = 1
  local msg = "llmops.nvim needs Neovim 0.8+; it stays off here"
  local function show()
    vim.api.nvim_echo({ { msg, "WarningMsg" } }, true, {})
  end
  if vim.v.vim_did_enter == 1 then
    vim.schedule(show)
  else
    vim.api.nvim_create_autocmd("VimEnter", { once = true, callback = vim.schedule_wrap(show) })
  end
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

-- The server adds `notSaved` to every object result while changes are kept
-- in memory only (a full or read-only disk). Says so once per new unsaved
-- change, not on every later command; a result without it means saving
-- works again. Returns the message when it warned.
local unsaved_warned = 0
function M.saw_result(result)
  local islist = vim.islist or vim.tbl_islist
  if type(result) ~= "table" or islist(result) then
    return nil
  end
  local not_saved = M.value(result.notSaved)
  if type(not_saved) ~= "table" then
    unsaved_warned = 0
    return nil
  end
  if type(not_saved.changes) ~= "number" or type(not_saved.message) ~= "string" then
    return nil
  end
  local fresh = not_saved.changes > unsaved_warned
  unsaved_warned = not_saved.changes
  if fresh then
    M.notify(not_saved.message, vim.log.levels.WARN)
    return not_saved.message
  end
  return nil
end

-- Sends workspace/executeCommand. The Client methods take `self` since 0.11
-- (client:request); older versions only have the dot form.
function M.execute(client, command, arguments, callback)
  local params = { command = command, arguments = arguments }
  local function handler(err, result)
    result = M.value(result)
    M.saw_result(result)
    callback(err, result)
  end
  if has("0.11") then
    client:request("workspace/executeCommand", params, handler)
  else
    client.request("workspace/executeCommand", params, handler)
  end
end

-- The server reads settings from initializationOptions (in effect before the
-- first diagnostics) and later asks workspace/configuration for the `llmops`
-- section; give it both. An empty table would be sent as a JSON array, which
-- the server rejects, so no settings means none sent at all.
local function lsp_settings()
  local inner = M.config.settings or {}
  if next(inner) == nil then
    return nil
  end
  return { llmops = inner }
end

-- The trust gate on workspace packs (llmops.trust): before_init sets
-- `workspacePacks` per root; on_init watches the root's pack folder.
--
-- The client is also told it cannot pull diagnostics. Neovim 0.12 keeps
-- pulled diagnostics in a namespace of their own, outside the one this
-- plugin configures (no virtual text, no signs: the vim.diagnostic.config call in setup), and
-- re-pulls only on a refresh round trip; pushed hints go through our
-- namespace and change the moment a term becomes known or a pack is trusted.
function M.push_diagnostics_only(params)
  local caps = vim.deepcopy(params.capabilities or {})
  if caps.textDocument then
    caps.textDocument.diagnostic = nil
  end
  params.capabilities = caps
end
local function before_init(params, config)
  require("llmops.trust").before_init(params, config)
  M.push_diagnostics_only(params)
end
M.before_init = before_init
local function on_init(client)
  require("llmops.trust").on_init(client)
end

function M.client_config()
  local settings = lsp_settings()
  return {
    name = M.name,
    cmd = M.config.cmd,
    filetypes = M.config.filetypes,
    root_markers = M.config.root_markers,
    -- A table of its own per client: before_init sets workspacePacks in it.
    settings = vim.deepcopy(settings),
    init_options = settings,
    before_init = before_init,
    on_init = on_init,
  }
end

-- The nearest folder above `path` holding a root marker.
local function find_root(path)
  local found = vim.fs.find(M.config.root_markers, { upward = true, path = path })[1]
  return found and vim.fs.dirname(found) or nil
end

-- Neovim 0.8 to 0.10: start or reuse a client per root ourselves.
local function attach(bufnr)
  -- Like vim.lsp.enable: only buffers that are real files.
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= "" then
    return
  end
  local ft = vim.bo[bufnr].filetype
  if M.config.filetypes and not vim.tbl_contains(M.config.filetypes, ft) then
    return
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  local config = M.client_config()
  config.root_markers = nil
  config.root_dir = name ~= "" and find_root(vim.fs.dirname(name)) or nil
  local function reuse(client, conf)
    return client.name == conf.name and client.config.root_dir == conf.root_dir
  end
  -- vim.lsp.start on 0.8/0.9 attaches the current buffer and has no bufnr
  -- option, so run it with bufnr current.
  vim.api.nvim_buf_call(bufnr, function()
    vim.lsp.start(config, { bufnr = bufnr, reuse_client = reuse })
  end)
end

-- A client attached to no buffer, for commands run before any file is open
-- (`:LlmopsProgress` in a bare nvim). Its root is the working directory's.
local function start_detached()
  local config = M.client_config()
  -- Without setup(), the vim.lsp.config('llmops') the user enabled (the
  -- plugin's lsp/llmops.lua merged with their own).
  if not M.did_setup and vim.lsp.config and vim.lsp.config[M.name] then
    config = vim.tbl_extend("force", vim.deepcopy(vim.lsp.config[M.name]), { name = M.name })
  end
  config.root_markers = nil
  local cwd = vim.fn.getcwd()
  config.root_dir = find_root(cwd) or cwd
  local install = require("llmops.install")
  local program = install.missing(config.cmd)
  if program then
    vim.notify(install.message(program, M.did_setup and "setup" or "enable"), vim.log.levels.ERROR)
    return nil, true
  end
  if has("0.11") then
    return vim.lsp.start(config, { attach = false, silent = true })
  end
  return vim.lsp.start_client(config)
end

--- Runs `fn(client)` once an llmops client is initialized, starting one if
--- none is running (commands work in a bare nvim, and from `+cmd` before
--- the file's client has finished starting).
function M.with_client(fn, client_id, bufnr)
  local client = M.client(bufnr, client_id)
  if not client then
    local id, told = start_detached()
    client = id and vim.lsp.get_client_by_id(id)
    if not client then
      if not told then
        M.notify("could not start llmops-lsp; see :checkhealth llmops", vim.log.levels.ERROR)
      end
      return
    end
  end
  if client.initialized then
    return fn(client)
  end
  -- Ticks are scheduled: on a busy main loop several may be queued when the
  -- first one finishes the wait, so `done` makes the rest no-ops (a second
  -- close is an error, a second fn would open the float twice).
  local waited, done, timer = 0, false, (vim.uv or vim.loop).new_timer()
  timer:start(
    20,
    20,
    vim.schedule_wrap(function()
      if done then
        return
      end
      waited = waited + 20
      local stopped = vim.lsp.get_client_by_id(client.id) == nil
      if client.initialized or stopped or waited >= 15000 then
        done = true
        timer:stop()
        timer:close()
        if client.initialized then
          fn(client)
        else
          M.notify("llmops-lsp did not start; see :checkhealth llmops", vim.log.levels.ERROR)
        end
      end
    end)
  )
end

--- Runs a server command (starting the client if needed) and calls
--- `callback(result)`; errors are reported and the callback skipped.
function M.run(command, arguments, callback, client_id)
  M.with_client(function(client)
    M.execute(client, command, arguments, function(err, result)
      if err then
        return M.notify(err.message, vim.log.levels.ERROR)
      end
      callback(result, client)
    end)
  end, client_id)
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

local function start_clients()
  local group = vim.api.nvim_create_augroup("llmops.start", { clear = true })
  local use_enable = M.config.use_lsp_enable
  if use_enable == nil then
    use_enable = vim.lsp.config ~= nil and vim.lsp.enable ~= nil
  end
  if use_enable then
    -- Assigned, not merged: a second setup() replaces the first one's
    -- options (and the plugin's lsp/llmops.lua defaults).
    vim.lsp.config[M.name] = M.client_config()
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

-- The llmops diagnostic under the cursor (else the first on its line) as
-- `{ termId, exerciseId }`.
function M.term_under_cursor()
  local row, col = unpack(vim.api.nvim_win_get_cursor(0))
  local first
  for _, d in ipairs(vim.diagnostic.get(0, { lnum = row - 1 })) do
    if d.source == "llmops" then
      local data = d.user_data and d.user_data.lsp and M.value(d.user_data.lsp.data) or {}
      local found = { termId = M.value(data.termId) or d.code, exerciseId = M.value(data.exerciseId) }
      if col >= d.col and (d.end_lnum ~= d.lnum or col < d.end_col) then
        return found
      end
      first = first or found
    end
  end
  return first
end

local function complete_ids(command, key)
  return function(lead)
    local list = M.execute_sync(command, {}, 1000) or {}
    local ids = {}
    for _, e in ipairs(list) do
      local id = e[key]
      if type(id) == "string" and id:find(lead, 1, true) == 1 and not vim.tbl_contains(ids, id) then
        table.insert(ids, id)
      end
    end
    table.sort(ids)
    return ids
  end
end

function M.progress()
  require("llmops.progress").show()
end

-- Writes doc/tags when it is missing or older than the help file, so that
-- `:help llmops` works whatever the install path (a symlink into pack/,
-- vim.pack, lazy.nvim's `dir`). Nothing happens when doc/ is read-only.
function M.helptags()
  local doc = M.root .. "/doc"
  local txt, tags = doc .. "/llmops.txt", doc .. "/tags"
  if vim.fn.filereadable(txt) == 0 or vim.fn.filewritable(doc) ~= 2 then
    return
  end
  if vim.fn.filereadable(tags) == 1 and vim.fn.getftime(tags) >= vim.fn.getftime(txt) then
    return
  end
  pcall(vim.cmd, "silent! helptags " .. vim.fn.fnameescape(doc))
end

-- Applies `config.diagnostics` to a client's diagnostic namespace.
local function configure_diagnostics(client_id)
  local ok, ns = pcall(vim.lsp.diagnostic.get_namespace, client_id, false)
  if ok and ns then
    vim.diagnostic.config(M.config.diagnostics, ns)
  end
end

--- Commands, the code action's command handler, helptags and the
--- diagnostic config: everything that works without setup() (for
--- `vim.lsp.enable('llmops')` users). Idempotent; run by plugin/llmops.lua.
function M.register()
  if not M.supported() then
    return M.old_version_notice()
  end
  M.helptags()

  -- The code action's command: the server only names the exercise, the
  -- client shows it.
  vim.lsp.commands["llmops.openExercise"] = function(command, ctx)
    local arg = (command.arguments or {})[1] or {}
    require("llmops.exercise").open(arg, ctx and ctx.client_id)
  end
  vim.lsp.commands["llmops.termPage"] = function(command, ctx)
    local arg = (command.arguments or {})[1] or {}
    require("llmops.term").open(arg, ctx and ctx.client_id)
  end

  vim.api.nvim_create_user_command("LlmopsExercise", function(cmd)
    -- No argument: the exercise left open by leaving its float, as it was;
    -- else the term under the cursor.
    if cmd.args == "" and require("llmops.exercise").kept() then
      return require("llmops.exercise").open(nil)
    end
    local arg = cmd.args ~= "" and { exerciseId = cmd.args } or M.term_under_cursor()
    if not arg then
      return M.notify("no LLMOps term under the cursor; try :LlmopsExercise <id>", vim.log.levels.WARN)
    end
    if arg.exerciseId then
      arg = { exerciseId = arg.exerciseId }
    end
    require("llmops.exercise").open(arg)
  end, {
    nargs = "?",
    complete = complete_ids("llmops.listExercises", "id"),
    desc = "Open an llmops exercise",
  })

  vim.api.nvim_create_user_command("LlmopsTerm", function(cmd)
    local arg = cmd.args ~= "" and { termId = cmd.args } or M.term_under_cursor()
    if not arg then
      return M.notify("no LLMOps term under the cursor; try :LlmopsTerm <id>", vim.log.levels.WARN)
    end
    require("llmops.term").open({ termId = arg.termId })
  end, {
    nargs = "?",
    complete = complete_ids("llmops.listExercises", "term"),
    desc = "Show an llmops term's page",
  })

  vim.api.nvim_create_user_command("LlmopsProgress", M.progress, { desc = "Show llmops progress by module" })

  vim.api.nvim_create_user_command("LlmopsForgetKnown", function()
    M.run("llmops.forgetKnown", {}, function()
      M.notify("hints are back for every term you had marked known")
    end)
  end, { desc = "Show the hints of every term marked known again" })

  -- The server writes the commented template (`llmops.createTeamPack`,
  -- never over a file) in the current buffer's workspace; we open it.
  vim.api.nvim_create_user_command("LlmopsCreateTeamPack", function(cmd)
    M.with_client(function(client)
      local arg = {}
      local root = client.root_dir or (client.config and client.config.root_dir)
      if root then
        arg.folder = vim.uri_from_fname(root)
      end
      if cmd.args ~= "" then
        arg.name = cmd.args
      end
      M.execute(client, "llmops.createTeamPack", { arg }, function(err, result)
        if err then
          return M.notify(err.message, vim.log.levels.ERROR)
        end
        if result and result.uri then
          vim.cmd.edit(vim.fn.fnameescape(vim.uri_to_fname(result.uri)))
          M.notify("created " .. vim.fn.fnamemodify(vim.uri_to_fname(result.uri), ":~:."))
        end
      end)
    end)
  end, {
    nargs = "?",
    desc = "Create .llmops/team.toml from the commented template and open it (never over a file)",
  })

  vim.api.nvim_create_user_command("LlmopsTrust", function(cmd)
    require("llmops.trust").trust(cmd.args)
  end, { nargs = "?", complete = "dir", desc = "Trust this folder's llmops team packs (.llmops/*.toml) and load them" })
  vim.api.nvim_create_user_command("LlmopsUntrust", function(cmd)
    require("llmops.trust").untrust(cmd.args)
  end, { nargs = "?", complete = "dir", desc = "Stop trusting this folder's llmops team packs and unload them" })
  require("llmops.trust").setup_autocmds()

  local group = vim.api.nvim_create_augroup("llmops.attach", { clear = true })
  vim.api.nvim_create_autocmd("LspAttach", {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == M.name then
        configure_diagnostics(client.id)
      end
    end,
  })
  for _, client in ipairs(M.clients({ name = M.name })) do
    configure_diagnostics(client.id)
  end
  M.did_register = true
end

function M.setup(opts)
  if not M.supported() then
    return M.old_version_notice()
  end
  opts = opts or {}
  M.config = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts)
  local user_settings = opts.settings or {}
  M.config.settings = vim.tbl_deep_extend("force", vim.deepcopy(defaults.settings), user_settings.llmops or user_settings)
  -- tbl_deep_extend merges lists by index; take the user's lists whole.
  M.config.cmd = opts.cmd or defaults.cmd
  M.config.root_markers = opts.root_markers or defaults.root_markers
  M.config.filetypes = opts.filetypes
  if opts.float and opts.float.keys and opts.float.keys.close then
    M.config.float.keys.close = opts.float.keys.close
  end

  require("llmops.install").notify_once(M.config.cmd, "setup")

  M.register()
  start_clients()
  M.did_setup = true
end

return M
