-- Loaded at startup from the runtime path. Registers the commands, the
-- code action's command handler and the diagnostic config, and builds the
-- help tags, so that `vim.lsp.enable('llmops')` (through lsp/llmops.lua)
-- works without setup(). Starts no server: setup() or vim.lsp.enable does.
if vim.g.loaded_llmops then
  return
end
vim.g.loaded_llmops = 1
require("llmops").register()
