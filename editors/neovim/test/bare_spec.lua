-- No setup(): the plugin on the runtime path, the server through its
-- lsp/llmops.lua and vim.lsp.enable. Commands start the client on demand in
-- a bare nvim. Run by test/run.sh with test/bare_init.lua.
local started = (vim.uv or vim.loop).hrtime() / 1e9
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local H = dofile(here .. "/helpers.lua")
local test, expect, wait = H.test, H.expect, H.wait
local llmops = require("llmops")

test("plugin/llmops.lua registered the commands without setup()", function()
  expect(not llmops.did_setup, "setup() ran")
  for _, name in ipairs({ "LlmopsExercise", "LlmopsProgress", "LlmopsTerm", "LlmopsForgetKnown", "LlmopsCreateTeamPack" }) do
    expect(vim.fn.exists(":" .. name) == 2, ":%s missing", name)
  end
  expect(vim.lsp.commands["llmops.openExercise"], "no llmops.openExercise handler")
end)

test("a command while the server starts runs once, even when two waiting ticks run back to back", function()
  expect(#llmops.clients({ name = "llmops" }) == 0, "a client is already running")
  -- A busy main loop can hold two of with_client's scheduled ticks and run
  -- them one after the other: here every tick of init.lua's wait runs
  -- twice, the second time under pcall so that its error is seen.
  local real, errors, calls = vim.schedule_wrap, {}, 0
  vim.schedule_wrap = function(fn)
    if not debug.getinfo(2, "S").source:find("llmops/init.lua", 1, true) then
      return real(fn)
    end
    return real(function(...)
      fn(...)
      local ok, err = pcall(fn, ...)
      if not ok then
        table.insert(errors, tostring(err))
      end
    end)
  end
  local ok, err = pcall(llmops.with_client, function()
    calls = calls + 1
  end)
  vim.schedule_wrap = real
  expect(ok, "with_client: %s", tostring(err))
  -- The doubled tick runs right after the one that called back: once the
  -- first call is seen, both have run.
  wait("the command to run", function()
    return calls > 0
  end)
  -- The next test starts from no client, whatever this one found.
  for _, client in ipairs(llmops.clients({ name = "llmops" })) do
    client:stop(true)
  end
  wait("the client to stop", function()
    return #llmops.clients({ name = "llmops" }) == 0
  end)
  expect(calls == 1 and #errors == 0, "ran %d times; errors: %s", calls, table.concat(errors, "; "))
end)

test(":LlmopsProgress in a bare nvim starts the server and shows the report", function()
  expect(#llmops.clients({ name = "llmops" }) == 0, "a client is already running")
  vim.cmd("LlmopsProgress")
  local f = wait("the progress float", function()
    local f = H.float()
    return f and H.contains(H.flat(f.lines), "exercises completed") and f
  end)
  expect(H.contains(H.flat(f.lines), "0/"), "%s", H.flat(f.lines))
  expect(#llmops.clients({ name = "llmops" }) == 1, "no client started")
  vim.cmd("close")
end)

test(":LlmopsExercise <id> in a bare nvim opens the float", function()
  vim.cmd("LlmopsExercise ttft-1")
  wait("the exercise float", function()
    local f = H.float()
    return f and H.contains(H.flat(f.lines), "Which metric captures")
  end)
  vim.cmd("close")
end)

test("vim.lsp.enable('llmops') uses lsp/llmops.lua: root markers, hints, our diagnostic config", function()
  local resolved = vim.lsp.config.llmops
  expect(vim.deep_equal(resolved.root_markers, { ".llmops", ".git" }), "root_markers %s", vim.inspect(resolved.root_markers))
  vim.lsp.enable("llmops")
  local tmp = vim.fn.tempname()
  vim.cmd.edit(H.write(tmp .. "/notes.md", { "Our TTFT is fine." }))
  H.diagnostics(0)
  local client = llmops.client(0)
  expect(client and client.attached_buffers[vim.api.nvim_get_current_buf()], "buffer not attached")
  local config = vim.diagnostic.config(nil, vim.lsp.diagnostic.get_namespace(client.id, false))
  expect(config.virtual_text == false, "virtual_text is %s", vim.inspect(config.virtual_text))
end)

test("lsp/llmops.lua gates team packs too: not loaded until :LlmopsTrust", function()
  local _, _, bufnr = H.team_folder(vim.fn.tempname() .. "/team")
  -- team_folder waited for the first publication (TTFT flagged): a pack
  -- loaded at start would have flagged AGW in it.
  expect(not H.flagged(bufnr, "acme-gateway"), "AGW flagged before the folder is trusted")
  expect(#H.noted("not loaded (untrusted)") == 1, "notices: %s", vim.inspect(H.notes))
  vim.cmd("LlmopsTrust")
  H.wait("AGW flagged", function()
    return H.flagged(bufnr, "acme-gateway")
  end)
end)

test("lsp/llmops.lua copied alone (no plugin): workspacePacks false", function()
  local config = dofile(llmops.root .. "/lsp/llmops.lua")
  local real = require
  _G.require = function(name)
    if name == "llmops" or name:match("^llmops%.") then
      error(("module '%s' not found"):format(name))
    end
    return real(name)
  end
  local shared = { textDocument = { diagnostic = { dynamicRegistration = true }, hover = {} } }
  local params = { capabilities = shared }
  local ok, err = pcall(config.before_init, params, config)
  _G.require = real
  expect(ok, "before_init failed: %s", tostring(err))
  expect(config.settings.llmops.workspacePacks == false, "settings %s", vim.inspect(config.settings))
  expect(params.initializationOptions.llmops.workspacePacks == false, "options %s", vim.inspect(params))
  expect(config.settings.llmops.firstOccurrenceOnly == "code", "other settings lost: %s", vim.inspect(config.settings))
  -- Pushed, not pulled: the client does not offer to pull diagnostics, and
  -- the capabilities table Neovim shares between servers is left alone.
  expect(params.capabilities.textDocument.diagnostic == nil, "pull offered: %s", vim.inspect(params.capabilities))
  expect(params.capabilities.textDocument.hover ~= nil, "other capabilities lost: %s", vim.inspect(params.capabilities))
  expect(shared.textDocument.diagnostic ~= nil, "shared capabilities changed")
end)

H.finish("bare", started)
