-- Server configuration for Neovim 0.11+'s vim.lsp.config, in the form
-- nvim-lspconfig uses. With this plugin on the runtime path (or this file
-- copied to ~/.config/nvim/lsp/), `vim.lsp.enable('llmops')` starts the
-- server for every buffer, with no setup() call. The server comes from PATH:
-- `pipx install llmops-lsp`, Mason (`:MasonInstall llmops-lsp`), or
-- `cargo install --path server` from a checkout. When it cannot be run,
-- Neovim skips the config with only a log line; this file says so once, as
-- a warning with the ways to install it (llmops.install, or one line when
-- this file was copied alone).
--
-- Team packs (`.llmops/*.toml`) load only once trusted: with the plugin on
-- the runtime path, before_init asks its trust gate (:LlmopsTrust, Neovim's
-- :trust list); with this file alone, they stay off (`workspacePacks =
-- false`). `vim.g.llmops_trust_workspace_packs = true` loads them without
-- asking. Replacing before_init in your own vim.lsp.config('llmops', ...)
-- removes the gate, and the server's default is to load them.
-- Loaded when vim.lsp.config('llmops') is first resolved (the first buffer
-- after vim.lsp.enable); the check runs once the user's own config is merged.
vim.schedule(function()
  if vim.g.llmops_missing_binary_told or (vim.lsp.is_enabled and not vim.lsp.is_enabled('llmops')) then
    return
  end
  local ok, install = pcall(require, 'llmops.install')
  if ok then
    return install.notify_once(vim.lsp.config.llmops.cmd, 'enable')
  end
  local cmd = vim.lsp.config.llmops.cmd
  if type(cmd) == 'table' and type(cmd[1]) == 'string' and vim.fn.executable(cmd[1]) == 0 then
    vim.g.llmops_missing_binary_told = 1
    vim.notify(
      ("llmops: %s not found. Install it: pipx install llmops-lsp (or pip install llmops-lsp), :MasonInstall llmops-lsp, or set vim.lsp.config('llmops', { cmd = { '/path/to/llmops-lsp' } })"):format(cmd[1]),
      vim.log.levels.WARN
    )
  end
end)

---@type vim.lsp.Config
return {
  cmd = { 'llmops-lsp' },
  -- No filetypes: terms are spotted in any file (code, comments, prose, YAML).
  root_markers = { '.llmops', '.git' },
  -- In code a term is marked once per file, in prose wherever it is used.
  settings = { llmops = { firstOccurrenceOnly = 'code' } },
  before_init = function(params, config)
    local ok, llmops = pcall(require, 'llmops')
    if ok then
      return llmops.before_init(params, config)
    end
    -- Hints pushed, not pulled: pulled ones skip the diagnostic config.
    if params.capabilities and params.capabilities.textDocument then
      params.capabilities = vim.deepcopy(params.capabilities)
      params.capabilities.textDocument.diagnostic = nil
    end
    config.settings = config.settings or {}
    config.settings.llmops = vim.tbl_extend('force', config.settings.llmops or {}, { workspacePacks = false })
    params.initializationOptions = { llmops = config.settings.llmops }
  end,
  on_init = function(client)
    local ok, trust = pcall(require, 'llmops.trust')
    if ok then
      trust.on_init(client)
    end
  end,
}
