-- What to say when the llmops-lsp binary is missing, in one place for the
-- start-up notice (setup() and lsp/llmops.lua), :checkhealth llmops and the
-- commands. Neovim's vim.lsp.enable skips a config whose `cmd` is not
-- executable with only a log line, so without this a user who enabled the
-- server sees nothing at all.
local M = {}

M.name = "llmops"

-- The `cmd` in effect: setup()'s, else the resolved vim.lsp.config('llmops')
-- (the plugin's lsp/llmops.lua merged with the user's), else the default.
function M.cmd()
  local llmops = require("llmops")
  if llmops.did_setup or not vim.lsp.config then
    return llmops.config.cmd
  end
  local ok, config = pcall(function()
    return vim.lsp.config[M.name]
  end)
  if ok and type(config) == "table" and config.cmd ~= nil then
    return config.cmd
  end
  return llmops.config.cmd
end

--- The program `cmd` names when it is a list and that program cannot be
--- run, else nil (a function cmd is the user's own business).
function M.missing(cmd)
  if type(cmd) == "table" and type(cmd[1]) == "string" and vim.fn.executable(cmd[1]) == 0 then
    return cmd[1]
  end
  return nil
end

--- How to get the server, one way a line; `route` is "setup" or "enable"
--- (how the user started it), which decides how to name a path by hand.
function M.advice(route)
  local by_hand = route == "setup" and 'or name it: require("llmops").setup({ cmd = { "/path/to/llmops-lsp" } })'
    or "or name it: vim.lsp.config('llmops', { cmd = { '/path/to/llmops-lsp' } })"
  return {
    "pipx install llmops-lsp (or pip install llmops-lsp), then have its bin folder on $PATH",
    "or, with Mason: :MasonInstall llmops-lsp",
    "or, from a checkout: cargo install --locked --path server (~/.cargo/bin on $PATH)",
    by_hand,
  }
end

--- The notice: what is missing, then how to install it.
function M.message(program, route)
  local lines = { ("llmops: %s not found, so no hints or hovers. Install it:"):format(program) }
  for _, line in ipairs(M.advice(route)) do
    table.insert(lines, "  " .. line)
  end
  table.insert(lines, "  (:checkhealth llmops)")
  return table.concat(lines, "\n")
end

--- Says once per session, as a warning, that `cmd`'s program is missing.
--- Returns true when it did (now or earlier).
function M.notify_once(cmd, route)
  local program = M.missing(cmd)
  if not program then
    return false
  end
  if vim.g.llmops_missing_binary_told then
    return true
  end
  vim.g.llmops_missing_binary_told = 1
  vim.notify(M.message(program, route), vim.log.levels.WARN)
  return true
end

return M
