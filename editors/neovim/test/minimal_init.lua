-- Minimal init for the tests: the plugin from this checkout, the server from
-- LLMOPS_LSP_BIN or the repo's debug build, nothing from the user's config.
local this = debug.getinfo(1, "S").source:sub(2)
local plugin = vim.fn.fnamemodify(this, ":p:h:h") -- editors/neovim
local repo = vim.fn.fnamemodify(plugin, ":h:h")

vim.opt.runtimepath:prepend(plugin)
vim.opt.swapfile = false
vim.opt.shadafile = "NONE"

vim.g.llmops_test_repo = repo
local opts = { cmd = { vim.env.LLMOPS_LSP_BIN or (repo .. "/target/debug/llmops-lsp") } }
-- LLMOPS_TEST_LEGACY=1 exercises the 0.8-0.10 path (vim.lsp.start from a
-- FileType autocmd) on a modern Neovim.
if vim.env.LLMOPS_TEST_LEGACY == "1" then
  opts.use_lsp_enable = false
end
-- Settings as JSON, to check they reach the server.
if vim.env.LLMOPS_TEST_SETTINGS then
  opts.settings = vim.json.decode(vim.env.LLMOPS_TEST_SETTINGS)
end
require("llmops").setup(opts)
