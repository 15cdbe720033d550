-- The Neovim 0.8-0.10 path (vim.lsp.start from a FileType autocmd), forced
-- on a modern Neovim with LLMOPS_TEST_LEGACY=1, and settings passed through
-- (LLMOPS_TEST_SETTINGS='{"severity":"information"}'). Run by test/run.sh.
local started = (vim.uv or vim.loop).hrtime() / 1e9
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local H = dofile(here .. "/helpers.lua")
local test, expect = H.test, H.expect

local tmp = vim.fn.tempname()

test("legacy: started with vim.lsp.start, not vim.lsp.enable", function()
  H.write(tmp .. "/notes.md", { "Our TTFT is fine." })
  vim.cmd.edit(tmp .. "/notes.md")
  H.diagnostics(0)
  expect(not (vim.lsp.is_enabled and vim.lsp.is_enabled("llmops")), "vim.lsp.enable was used")
  expect(#vim.api.nvim_get_autocmds({ group = "llmops.start", event = "FileType" }) == 1, "no FileType autocmd")
end)

H.bail_out_if_failed("no diagnostics: is the server working?", started)

test("legacy: settings reach the server (severity information)", function()
  local d = H.diagnostics(0)[1]
  expect(d.severity == vim.diagnostic.severity.INFO, "severity is %s", tostring(d.severity))
end)

test("legacy: one client per root", function()
  H.check_roots(tmp .. "/roots")
end)

test("legacy: scratch buffers get no client", function()
  vim.cmd("enew")
  vim.bo.buftype = "nofile"
  -- Setting the filetype runs the FileType autocommand, which attaches a
  -- client synchronously or not at all.
  vim.bo.filetype = "markdown"
  expect(#require("llmops").clients({ bufnr = 0 }) == 0, "attached to a nofile buffer")
end)

test("legacy: the code action command opens the float", function()
  vim.cmd.edit(tmp .. "/notes.md")
  vim.api.nvim_win_set_cursor(0, { 1, 5 })
  vim.lsp.buf.code_action({
    filter = function(a)
      return a.title:find("^Learn:") ~= nil
    end,
    apply = true,
  })
  H.wait("the float", function()
    local f = H.float()
    return f and H.contains(H.flat(f.lines), "Which metric captures this complaint")
  end)
end)

test("legacy: an untrusted team pack is not loaded; :LlmopsTrust loads it without a restart", function()
  local _, _, bufnr = H.team_folder(tmp .. "/team")
  -- team_folder waited for the first publication (TTFT flagged): a pack
  -- loaded at start would have flagged AGW in it.
  expect(not H.flagged(bufnr, "acme-gateway"), "AGW flagged before the folder is trusted")
  expect(#H.noted("not loaded (untrusted)") == 1, "notices: %s", vim.inspect(H.notes))
  local id = require("llmops").client(bufnr).id
  vim.cmd("LlmopsTrust")
  H.wait("AGW flagged", function()
    return H.flagged(bufnr, "acme-gateway")
  end)
  expect(require("llmops").client(bufnr).id == id, "the client was restarted")
end)

H.finish("legacy", started)
