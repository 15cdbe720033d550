-- Workspace packs (`.llmops/*.toml`) come from whatever repository was
-- cloned, so the plugin loads them only once the user trusts them, with
-- Neovim's own trust list (`:help vim.secure`, `:help :trust`): each pack
-- file is trusted by a hash of its contents. The server is started with
-- `workspacePacks = false` until every pack file of the root is trusted;
-- `:LlmopsTrust` trusts them and turns packs on through
-- workspace/didChangeConfiguration (no restart). A trusted pack that then
-- changes on disk is no longer trusted: packs go off again with one warning.
--
-- Nothing here prompts: startup shows at most one notice per root, and the
-- trust list is read directly (vim.secure has no "is this trusted?" query
-- that does not prompt). Neovim before 0.9 has no vim.secure: workspace
-- packs stay off there unless the user opts out of the gate.
local M = {}

-- root -> { allowed, status, files, pending }; the last decision per root.
M.roots = {}
-- root -> status last told to the user, so a notice is shown once.
local told = {}
-- root -> { handles, timer }: libuv fs_event handles on the folders of its packs.
local watchers = {}

local uv = vim.uv or vim.loop

local function llmops()
  return require("llmops")
end

local function norm(path)
  return path and vim.fs.normalize(path) or nil
end

local function supported()
  return vim.secure ~= nil and vim.secure.trust ~= nil
end

--- True when the user opted out of the gate (`trust_workspace_packs = true`
--- in setup(), or `vim.g.llmops_trust_workspace_packs = true`).
function M.opted_out()
  return llmops().config.trust_workspace_packs == true or vim.g.llmops_trust_workspace_packs == true
end

-- The root's own `.llmops/*.toml`, sorted: what an older server or a
-- Neovim without vim.system is asked to trust.
local function own_pack_files(root)
  local dir = root .. "/.llmops"
  local files = {}
  if vim.fn.isdirectory(dir) == 0 then
    return files
  end
  for name, kind in vim.fs.dir(dir) do
    if name:match("%.toml$") and (kind == "file" or kind == "link") then
      table.insert(files, dir .. "/" .. name)
    end
  end
  table.sort(files)
  return files
end

--- The pack files of a root, sorted: every file the server would read as a
--- workspace pack, which the server itself lists (`llmops-lsp pack files`):
--- nested `.llmops/` folders and the files packs import, so that none of
--- them loads without being trusted. Without an answer from the server (an
--- older binary, no vim.system), the root's own `.llmops/*.toml`.
function M.pack_files(root)
  local cmd = require("llmops.install").cmd()
  local program = type(cmd) == "table" and cmd[1] or nil
  if vim.system and type(program) == "string" and vim.fn.executable(program) == 1 then
    local ok, done = pcall(function()
      return vim.system({ program, "pack", "files", root }, { text = true }):wait(5000)
    end)
    if ok and done and done.code == 0 then
      local decoded, answer = pcall(vim.json.decode, done.stdout or "")
      if decoded and type(answer) == "table" and type(answer.files) == "table" then
        local files = vim.tbl_filter(function(f)
          return type(f) == "string"
        end, answer.files)
        table.sort(files)
        return files
      end
    end
  end
  return own_pack_files(root)
end

-- Neovim's trust list, as vim.secure writes it: `HASH PATH` per line, `!`
-- for a denied file.
local function trust_list()
  local list = {}
  local f = io.open(vim.fn.stdpath("state") .. "/trust", "r")
  if f then
    for line in f:lines() do
      local hash, file = line:match("^(%S+) (.+)$")
      if hash then
        list[file] = hash
      end
    end
    f:close()
  end
  return list
end

local function file_hash(path)
  local f = io.open(path, "rb")
  if not f then
    return nil
  end
  local contents = f:read("*a")
  f:close()
  return contents and vim.fn.sha256(contents) or nil
end

--- One pack file's trust: "trusted", "untrusted" (never trusted),
--- "changed" (trusted once, contents differ now) or "denied".
function M.file_status(path, list)
  list = list or trust_list()
  local real = uv.fs_realpath(path)
  local entry = real and list[real]
  if entry == "!" then
    return "denied"
  end
  if entry == nil then
    return "untrusted"
  end
  return entry == file_hash(real) and "trusted" or "changed"
end

--- The trust state of a root's workspace packs: a table with `status`
--- ("none": no packs; "trusted"; "untrusted"; "changed"; "denied";
--- "unsupported": no vim.secure), `files` and `pending` (the files not
--- trusted, each `{ path, status }`).
function M.check(root)
  local files = M.pack_files(root)
  local result = { status = "none", files = files, pending = {} }
  if #files == 0 then
    return result
  end
  if not supported() then
    result.status = "unsupported"
    return result
  end
  local list = trust_list()
  local worst = "trusted"
  local rank = { trusted = 0, untrusted = 1, denied = 2, changed = 3 }
  for _, path in ipairs(files) do
    local s = M.file_status(path, list)
    if s ~= "trusted" then
      table.insert(result.pending, { path = path, status = s })
    end
    if rank[s] > rank[worst] then
      worst = s
    end
  end
  result.status = worst
  return result
end

local function short(path)
  return vim.fn.fnamemodify(path, ":~")
end

-- The first of `texts` that fits the command line next to the ruler and
-- showcmd ('v:echospace') with the "llmops: " prefix (a longer message
-- asks to press ENTER), else the last one cut to fit.
local function fit(texts)
  local space = vim.v.echospace > 0 and vim.v.echospace or (vim.o.columns - 1)
  local room = space - #"llmops: "
  for _, text in ipairs(texts) do
    if vim.fn.strdisplaywidth(text) <= room then
      return text
    end
  end
  local last = texts[#texts]
  return vim.fn.strcharpart(last, 0, math.max(room - 1, 10)) .. "…"
end

-- What the user is told about a root whose packs are off, or nil: one line
-- that fits the command line, so there is no hit-enter prompt at start.
-- :checkhealth llmops has the details.
local function message(root, state)
  local where = vim.fn.fnamemodify(root, ":t") .. "/.llmops"
  local first = state.pending[1]
  for _, p in ipairs(state.pending) do
    if p.status == state.status then
      first = p
      break
    end
  end
  local function shown(path)
    -- A pack outside root/.llmops (nested, imported) by its path in the root.
    local real_root = uv.fs_realpath(root) or root
    for _, r in ipairs({ root, real_root }) do
      if path:sub(1, #r + 1) == r .. "/" and path:sub(#r + 2, #r + 9) ~= ".llmops/" then
        return vim.fn.fnamemodify(root, ":t") .. "/" .. path:sub(#r + 2)
      end
    end
    return where .. "/" .. vim.fn.fnamemodify(path, ":t")
  end
  local what = #state.pending == 1 and shown(first.path) or ("%s: %d packs"):format(where, #state.pending)
  local file = first and shown(first.path) or where
  if state.status == "untrusted" then
    return fit({ what .. " not loaded (untrusted): :LlmopsTrust", "team packs not loaded (untrusted): :LlmopsTrust" })
  elseif state.status == "changed" then
    return fit({ file .. " changed: unloaded until :LlmopsTrust", "a team pack changed: unloaded until :LlmopsTrust" })
  elseif state.status == "denied" then
    return fit({ file .. " is denied (:trust): not loaded", "a team pack is denied (:trust): not loaded" })
  elseif state.status == "unsupported" then
    return fit({ where .. " not loaded: this Neovim has no :trust", "team packs not loaded: no :trust here" })
  end
end

--- Decides whether a root's workspace packs load, remembers it, and tells
--- the user (once per root and state) why they do not. `setting` is the
--- user's own `workspacePacks` value, if any: false always wins.
function M.decide(root, setting)
  root = norm(root)
  if not root then
    -- No root (a single file outside any project): no workspace packs.
    return false
  end
  local state
  if setting == false then
    state = { status = "off", allowed = false, files = M.pack_files(root), pending = {} }
  elseif M.opted_out() then
    state = { status = "opted-out", allowed = true, files = M.pack_files(root), pending = {} }
  else
    state = M.check(root)
    state.allowed = state.status == "trusted"
  end
  M.roots[root] = state
  local text = message(root, state)
  if text and told[root] ~= state.status then
    told[root] = state.status
    local level = state.status == "changed" and vim.log.levels.WARN or vim.log.levels.INFO
    local function show()
      llmops().notify(text, level)
    end
    -- At startup, once the screen is up: a message before that stacks on
    -- the file's own message and asks to press ENTER.
    if vim.v.vim_did_enter == 1 or #vim.api.nvim_list_uis() == 0 then
      vim.schedule(show)
    else
      vim.api.nvim_create_autocmd("VimEnter", { once = true, callback = vim.schedule_wrap(show) })
    end
  elseif not text then
    told[root] = nil
  end
  return state.allowed
end

-- A copy of a settings table's llmops section (settings may be the inner
-- table or `{ llmops = ... }`).
local function section(settings)
  local inner = settings and (settings.llmops or settings) or {}
  return vim.deepcopy(type(inner) == "table" and inner or {})
end

--- The client's before_init: sets `workspacePacks` in the initialize
--- options and in the settings answered to workspace/configuration.
function M.before_init(params, config)
  config.settings = config.settings or {}
  local inner = section(config.settings.llmops and config.settings or params.initializationOptions)
  inner.workspacePacks = M.decide(config.root_dir, inner.workspacePacks)
  -- config.settings is the client's settings table: replace only its field.
  config.settings.llmops = inner
  local options = vim.deepcopy(params.initializationOptions or {})
  options.llmops = vim.deepcopy(inner)
  params.initializationOptions = options
  local state = M.roots[norm(config.root_dir)]
  if state and state.status ~= "off" and state.status ~= "opted-out" then
    -- Where Neovim watches files for servers (macOS, Windows), the server
    -- would re-read a changed pack before our watcher turns packs off. It
    -- hears about pack changes from us instead, once they are trusted
    -- (M.refresh). A copy: the capabilities table may be shared.
    local caps = vim.deepcopy(params.capabilities or {})
    caps.workspace = caps.workspace or {}
    caps.workspace.didChangeWatchedFiles = { dynamicRegistration = false }
    params.capabilities = caps
  end
end

local function notify_client(client, method, params)
  if vim.fn.has("nvim-0.11") == 1 then
    client:notify(method, params)
  else
    client.notify(method, params)
  end
end

-- Sends a client its settings with `workspacePacks` as decided for its root.
local function send(client, allowed)
  client.settings = client.settings or {}
  local inner = section(client.settings.llmops and client.settings or nil)
  inner.workspacePacks = allowed
  client.settings.llmops = inner
  notify_client(client, "workspace/didChangeConfiguration", { settings = { llmops = inner } })
end

local function clients_of(root)
  return vim.tbl_filter(function(c)
    return norm(c.config.root_dir) == root
  end, llmops().clients({ name = llmops().name }))
end

--- Re-decides a root and tells its clients when the answer changed.
function M.refresh(root)
  root = norm(root)
  local before = M.roots[root]
  local setting = before and before.status == "off" and false or nil
  local allowed = M.decide(root, setting)
  if not before or before.allowed ~= allowed then
    for _, client in ipairs(clients_of(root)) do
      send(client, allowed)
    end
  elseif allowed then
    -- Still trusted (a write trusted by this or another Neovim): the server
    -- does not watch the files itself (see before_init), so tell it.
    local changes = {}
    local now = {}
    for _, path in ipairs(M.roots[root].files) do
      now[path] = true
      table.insert(changes, { uri = vim.uri_from_fname(path), type = 2 })
    end
    for _, path in ipairs(before.files or {}) do
      if not now[path] then
        table.insert(changes, { uri = vim.uri_from_fname(path), type = 3 })
      end
    end
    for _, client in ipairs(clients_of(root)) do
      notify_client(client, "workspace/didChangeWatchedFiles", { changes = changes })
    end
  end
  return M.roots[root]
end

-- Watches the folders that hold the root's pack files (its `.llmops/`,
-- nested ones, folders of imported packs): a pack that changes, appears or
-- is replaced is checked again (a change to trusted contents turns packs
-- off).
local function watch(root)
  if watchers[root] or not uv.new_fs_event then
    return
  end
  local dirs, seen = {}, {}
  local function add(dir)
    if dir and not seen[dir] and vim.fn.isdirectory(dir) == 1 then
      seen[dir] = true
      table.insert(dirs, dir)
    end
  end
  add(root .. "/.llmops")
  for _, path in ipairs(M.pack_files(root)) do
    add(vim.fs.dirname(path))
  end
  if #dirs == 0 then
    return
  end
  local timer = uv.new_timer()
  local handles = {}
  for _, dir in ipairs(dirs) do
    local handle = uv.new_fs_event()
    local ok = handle:start(dir, {}, function()
      timer:stop()
      timer:start(150, 0, vim.schedule_wrap(function()
        M.refresh(root)
      end))
    end)
    if ok then
      table.insert(handles, handle)
    else
      handle:close()
    end
  end
  if #handles > 0 then
    watchers[root] = { handles = handles, timer = timer }
  else
    timer:close()
  end
end

--- The client's on_init: settings that arrived empty get `workspacePacks`,
--- and the root's pack folder is watched.
function M.on_init(client)
  local root = norm(client.config.root_dir)
  local state = root and M.roots[root]
  if not state then
    return
  end
  local inner = client.settings and client.settings.llmops
  if type(inner) ~= "table" or inner.workspacePacks ~= state.allowed then
    send(client, state.allowed)
  end
  if state.status ~= "off" and state.status ~= "opted-out" then
    watch(root)
  end
end

-- Your own write of a trusted pack keeps it trusted: the new contents are
-- added to the trust list after the write. A change from elsewhere (git
-- pull, an editor without this plugin) is not.
local trusted_before_write = {}
function M.setup_autocmds()
  local group = vim.api.nvim_create_augroup("llmops.trust", { clear = true })
  vim.api.nvim_create_autocmd("BufWritePre", {
    group = group,
    pattern = "*/.llmops/*.toml",
    callback = function(args)
      if supported() and vim.fn.filereadable(args.match) == 1 then
        trusted_before_write[args.buf] = M.file_status(args.match) == "trusted"
      end
    end,
  })
  vim.api.nvim_create_autocmd("BufWritePost", {
    group = group,
    pattern = "*/.llmops/*.toml",
    callback = function(args)
      if trusted_before_write[args.buf] then
        vim.secure.trust({ action = "allow", bufnr = args.buf })
      end
      trusted_before_write[args.buf] = nil
    end,
  })
end

--- The root a command applies to: `dir` when given, else the current
--- buffer's llmops client's root, else the working directory's.
function M.root_for(dir)
  if dir and dir ~= "" then
    return norm(vim.fn.fnamemodify(dir, ":p"):gsub("/$", ""))
  end
  local client = llmops().clients({ name = llmops().name, bufnr = 0 })[1]
  if client and client.config.root_dir then
    return norm(client.config.root_dir)
  end
  local marker = vim.fs.find(llmops().config.root_markers, { upward = true, path = vim.fn.getcwd() })[1]
  return norm(marker and vim.fs.dirname(marker) or vim.fn.getcwd())
end

-- Trusts one file through vim.secure with its contents on disk: loaded in
-- a hidden buffer without autocmds (no client attaches to it), then wiped.
local function allow_file(path)
  local existing = vim.fn.bufnr(path)
  if existing ~= -1 and vim.api.nvim_buf_is_loaded(existing) then
    if vim.bo[existing].modified then
      return false, short(path) .. " has unsaved changes; write it first"
    end
    return vim.secure.trust({ action = "allow", bufnr = existing })
  end
  local buf = vim.fn.bufadd(path)
  vim.cmd("noautocmd call bufload(" .. buf .. ")")
  local ok, err = vim.secure.trust({ action = "allow", bufnr = buf })
  vim.cmd("noautocmd silent! bwipeout! " .. buf)
  return ok, err
end

--- :LlmopsTrust [dir]: trusts every pack file of the root and loads them.
function M.trust(dir)
  local root = M.root_for(dir)
  if not supported() then
    return llmops().notify("this Neovim has no :trust (0.9+ has); set trust_workspace_packs = true instead", vim.log.levels.WARN)
  end
  local files = M.pack_files(root)
  if #files == 0 then
    return llmops().notify(("no pack files in %s/.llmops"):format(short(root)), vim.log.levels.WARN)
  end
  for _, path in ipairs(files) do
    local ok, err = allow_file(path)
    if not ok then
      return llmops().notify(("could not trust %s: %s"):format(short(path), err), vim.log.levels.ERROR)
    end
  end
  -- Checked from disk again: the trusted hash must be the file's.
  local state = M.refresh(root)
  if state.status ~= "trusted" and state.status ~= "opted-out" then
    return llmops().notify(("%s: still %s after trusting it"):format(short(state.pending[1].path), state.pending[1].status), vim.log.levels.ERROR)
  end
  watch(root)
  llmops().notify(("trusted %d pack file%s in %s/.llmops; loaded"):format(#files, #files == 1 and "" or "s", vim.fn.fnamemodify(root, ":t")))
end

--- :LlmopsUntrust [dir]: removes the root's pack files from the trust list
--- and unloads them.
function M.untrust(dir)
  local root = M.root_for(dir)
  if not supported() then
    return
  end
  for _, path in ipairs(M.pack_files(root)) do
    vim.secure.trust({ action = "remove", path = path })
  end
  M.refresh(root)
  llmops().notify(("%s/.llmops removed from the trust list; unloaded"):format(vim.fn.fnamemodify(root, ":t")))
end

--- One line per root for :checkhealth, and whether the root has packs
--- waiting for the user's trust.
function M.describe(root)
  local state = M.roots[norm(root)]
  if not state then
    return "not decided by this plugin (a before_init of your own replaces the gate?)", false
  end
  local n = #state.files
  local packs = ("%d pack file%s"):format(n, n == 1 and "" or "s")
  local texts = {
    none = "no team packs (.llmops/*.toml)",
    trusted = "trusted: " .. packs .. " loaded",
    untrusted = "not trusted: " .. packs .. " not loaded; run :LlmopsTrust after reading them",
    changed = "changed since trusted: " .. packs .. " not loaded; run :LlmopsTrust again after reading them",
    denied = "denied in :trust's list: " .. packs .. " not loaded",
    unsupported = "this Neovim has no :trust: " .. packs .. " not loaded",
    off = "off (settings.workspacePacks = false)",
    ["opted-out"] = "loaded without trust (trust_workspace_packs = true): " .. packs,
  }
  local waiting = { untrusted = true, changed = true, denied = true, unsupported = true }
  return texts[state.status] or state.status, waiting[state.status] == true
end

return M
