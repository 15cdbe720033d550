-- Init for the no-setup() tests: the plugin on the runtime path and the
-- server named through vim.lsp.config, as a user of the plugin's
-- lsp/llmops.lua would (cmd is the only thing set: the binary under test).
local this = debug.getinfo(1, "S").source:sub(2)
local plugin = vim.fn.fnamemodify(this, ":p:h:h") -- editors/neovim
local repo = vim.fn.fnamemodify(plugin, ":h:h")
vim.opt.runtimepath:prepend(plugin)
vim.opt.swapfile = false
vim.opt.shadafile = "NONE"
vim.g.llmops_test_repo = repo
vim.lsp.config("llmops", { cmd = { vim.env.LLMOPS_LSP_BIN or (repo .. "/target/debug/llmops-lsp") } })
