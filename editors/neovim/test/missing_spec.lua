-- llmops-lsp not installed: bare_init.lua with LLMOPS_LSP_BIN naming a file
-- that does not exist (test/run.sh). Neovim's vim.lsp.enable skips such a
-- config with only a log line; the plugin says once what is missing and how
-- to install it, and :checkhealth gives the same advice.
local started = (vim.uv or vim.loop).hrtime() / 1e9
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local H = dofile(here .. "/helpers.lua")
local test, expect, wait = H.test, H.expect, H.wait
local llmops = require("llmops")
local tmp = vim.fn.tempname()
local missing = vim.env.LLMOPS_LSP_BIN

-- The advice every route gives: pip/pipx, Mason, a path by hand.
local function expect_advice(text, by_hand)
  for _, needle in ipairs({ "pipx install llmops-lsp", "pip install llmops-lsp", ":MasonInstall llmops-lsp", by_hand }) do
    expect(H.contains(text, needle), "%q missing from:\n%s", needle, text)
  end
end

-- Runs after everything scheduled so far: a positive sync point before
-- counting notices.
local function drain()
  local done = false
  vim.schedule(function()
    done = true
  end)
  wait("the scheduled callbacks", function()
    return done
  end)
end

test("vim.lsp.enable('llmops') with llmops-lsp missing: one warning at start, with the ways to install it", function()
  expect(vim.fn.executable(missing) == 0, "%s exists", missing)
  vim.lsp.enable("llmops")
  vim.cmd.edit(H.write(tmp .. "/notes.md", { "Our TTFT is fine." }))
  local notes = wait("the missing-binary notice", function()
    local n = H.noted("not found")
    return #n > 0 and n
  end)
  expect(notes[1].level == vim.log.levels.WARN, "level %s", tostring(notes[1].level))
  expect(H.contains(notes[1].msg, missing .. " not found"), "%s", notes[1].msg)
  expect_advice(notes[1].msg, "vim.lsp.config('llmops', { cmd = { '/path/to/llmops-lsp' } })")
  -- A second file, and the config resolved again: still one notice.
  vim.cmd.edit(H.write(tmp .. "/more.md", { "TTFT again." }))
  vim.lsp.config("llmops", { settings = { llmops = { severity = "hint" } } })
  local _ = vim.lsp.config.llmops
  drain()
  expect(#H.noted("not found") == 1, "%d notices", #H.noted("not found"))
end)

test(":checkhealth llmops names the cmd in effect and the same ways to install it", function()
  vim.cmd("checkhealth llmops")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  vim.cmd("tabclose")
  expect(H.contains(text, "binary not found: " .. missing), "not the vim.lsp.config cmd:\n%s", text)
  expect_advice(text, "vim.lsp.config('llmops', { cmd = { '/path/to/llmops-lsp' } })")
end)

test(":LlmopsProgress with llmops-lsp missing says how to install it", function()
  local before = #H.noted("not found")
  vim.cmd("LlmopsProgress")
  local notes = H.noted("not found")
  expect(#notes == before + 1, "%d new notices", #notes - before)
  expect(notes[#notes].level == vim.log.levels.ERROR, "level %s", tostring(notes[#notes].level))
  expect_advice(notes[#notes].msg, "vim.lsp.config('llmops'")
end)

test("lsp/llmops.lua copied alone (no plugin): still one line on what is missing", function()
  vim.g.llmops_missing_binary_told = nil
  local real = require
  _G.require = function(name)
    if name == "llmops.install" then
      error("module 'llmops.install' not found")
    end
    return real(name)
  end
  local ok, err = pcall(dofile, llmops.root .. "/lsp/llmops.lua")
  drain()
  _G.require = real
  expect(ok, "%s", tostring(err))
  local notes = H.noted("not found")
  local msg = notes[#notes].msg
  expect(not H.contains(msg, "\n") and H.contains(msg, missing .. " not found"), "%s", msg)
  expect_advice(msg, "vim.lsp.config('llmops'")
end)

test("setup() with llmops-lsp missing: the same advice, naming setup({ cmd })", function()
  vim.g.llmops_missing_binary_told = nil
  local before = #H.noted("not found")
  llmops.setup({ cmd = { missing } })
  local notes = H.noted("not found")
  expect(#notes == before + 1, "%d new notices", #notes - before)
  expect_advice(notes[#notes].msg, 'setup({ cmd = { "/path/to/llmops-lsp" } })')
end)

H.finish("missing", started)
