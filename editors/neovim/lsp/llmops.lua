-- Server configuration for Neovim 0.11+'s vim.lsp.config. With this plugin
-- on the runtime path, `vim.lsp.enable('llmops')` starts the server for
-- every buffer without a setup() call; setup() replaces it with its options.
-- The server comes from PATH (`cargo install --path server` in a checkout).
---@type vim.lsp.Config
return {
  cmd = { "llmops-lsp" },
  -- No filetypes: terms are spotted in any file (code, comments, prose, YAML).
  root_markers = { ".llmops", ".git" },
}
