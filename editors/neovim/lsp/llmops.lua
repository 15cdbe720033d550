-- Server configuration for Neovim 0.11+'s vim.lsp.config, in the form
-- nvim-lspconfig uses. With this plugin on the runtime path (or this file
-- copied to ~/.config/nvim/lsp/), `vim.lsp.enable('llmops')` starts the
-- server for every buffer, with no setup() call. The server comes from PATH:
-- `pipx install llmops-lsp`, Mason (`:MasonInstall llmops-lsp`), or
-- `cargo install --path server` from a checkout.
---@type vim.lsp.Config
return {
  cmd = { 'llmops-lsp' },
  -- No filetypes: terms are spotted in any file (code, comments, prose, YAML).
  root_markers = { '.llmops', '.git' },
  -- In code a term is marked once per file, in prose wherever it is used.
  settings = { llmops = { firstOccurrenceOnly = 'code' } },
}
