-- :checkhealth llmops: the binary, its version and the running clients.
local M = {}

-- vim.health.start/ok/... are 0.10+; 0.8 and 0.9 have report_* names.
local health = vim.health or require("health")
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local info = health.info or health.report_info
local warn = health.warn or health.report_warn
local fail = health.error or health.report_error

function M.check()
  start("llmops.nvim")
  if vim.fn.has("nvim-0.8") == 0 then
    return fail("llmops.nvim needs Neovim 0.8+")
  end
  local v = vim.version()
  ok(("Neovim %d.%d.%d"):format(v.major, v.minor, v.patch))

  local llmops = require("llmops")
  if llmops.did_setup then
    ok("setup() called")
  else
    if vim.lsp.is_enabled and vim.lsp.is_enabled(llmops.name) then
      ok("enabled with vim.lsp.enable('llmops') (lsp/llmops.lua)")
    else
      warn("neither setup() nor vim.lsp.enable('llmops') has run", {
        'Add require("llmops").setup() to init.lua',
        "Or, on Neovim 0.11+: vim.lsp.enable('llmops')",
      })
    end
  end

  local install = require("llmops.install")
  local cmd = install.cmd()
  cmd = type(cmd) == "table" and cmd[1] or nil
  if not cmd then
    info("cmd is a function: the binary is yours to check")
  end
  local path = cmd and vim.fn.exepath(cmd) or nil
  if path == "" then
    local advice = install.advice(llmops.did_setup and "setup" or "enable")
    local cargo_bin = vim.fn.expand("~/.cargo/bin/") .. vim.fn.fnamemodify(cmd, ":t")
    if vim.fn.executable(cargo_bin) == 1 then
      table.insert(advice, 1, ("It is installed as %s, but ~/.cargo/bin is not on $PATH"):format(cargo_bin))
    end
    fail(("binary not found: %s"):format(cmd), advice)
  elseif path then
    ok(("binary found: %s"):format(path))
    local out = vim.fn.system({ path, "--version" })
    if vim.v.shell_error == 0 then
      ok(("version: %s"):format(vim.trim(out)))
    else
      fail(("`%s --version` failed: %s"):format(path, vim.trim(out)))
    end
  end
  info(("progress file: %s/progress.json"):format(
    vim.env.LLMOPS_LSP_DATA_DIR or ((vim.env.XDG_DATA_HOME or "~/.local/share") .. "/llmops-lsp")
  ))

  start("llmops-lsp clients")
  local clients = llmops.clients({ name = llmops.name })
  if #clients == 0 then
    local where = vim.fn.has("nvim-0.11") == 1 and ":checkhealth vim.lsp lists every client"
      or ":lua =vim.lsp.get_active_clients() lists every client"
    warn("no client running", {
      "Open a file (filetypes: " .. (llmops.config.filetypes and table.concat(llmops.config.filetypes, ", ") or "any") .. "), or run :LlmopsProgress",
      where,
    })
  end
  local trust = require("llmops.trust")
  for _, client in ipairs(clients) do
    local root = client.config.root_dir
    if root then
      local text, needs_trust = trust.describe(root)
      local line = ("team packs in %s/.llmops: %s"):format(vim.fn.fnamemodify(root, ":~"), text)
      if needs_trust then
        warn(line, { "Read the pack files, then run :LlmopsTrust (Neovim's :trust list, by file contents)" })
      else
        ok(line)
      end
    end
    local buffers = vim.tbl_count(client.attached_buffers or {})
    local server = client.server_info and client.server_info.version
    ok(("client %d: %s, root %s, %d buffer%s%s"):format(
      client.id,
      client.initialized and "running" or "starting",
      client.config.root_dir or "(none)",
      buffers,
      buffers == 1 and "" or "s",
      server and (", server " .. server) or ""
    ))
  end
end

return M
