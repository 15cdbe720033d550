-- A tiny TAP-like harness: no plenary, so the tests need nothing but nvim
-- and the server. Each test prints `ok - name` or `not ok - name: why`;
-- finish() exits 0 when all passed and 1 otherwise.
local H = {}

H.repo = vim.g.llmops_test_repo
H.passed, H.failed = 0, 0

-- vim.notify messages, kept for the tests to check instead of printed.
H.notes = {}
vim.notify = function(msg, level)
  table.insert(H.notes, { msg = msg, level = level })
end

-- Starts on a fresh line: headless Neovim prints messages (checkhealth's
-- "Running healthchecks...") to stdout without a newline.
local function out(line)
  io.stdout:write("\n" .. line .. "\n")
  io.stdout:flush()
end
H.out = out

function H.test(name, fn)
  local ok, err = pcall(fn)
  if ok then
    H.passed = H.passed + 1
    out("ok - " .. name)
  else
    H.failed = H.failed + 1
    out(("not ok - %s: %s"):format(name, tostring(err):gsub("\n", "\n#   ")))
  end
end

-- Fails the current test; `level` 2 points the message at the caller.
function H.expect(cond, msg, ...)
  if not cond then
    error(msg:format(...), 2)
  end
  return cond
end

-- Waits for `fn` to return a truthy value (processing LSP traffic and
-- scheduled callbacks meanwhile) and returns it, or fails after `ms`.
function H.wait(what, fn, ms)
  local value
  local ok = vim.wait(ms or 10000, function()
    value = fn()
    return value
  end, 20)
  if not ok then
    error("timed out waiting for " .. what, 2)
  end
  return value
end

-- Collapses whitespace so wrapped float text can be searched for the
-- server's unwrapped strings.
function H.flat(lines)
  return (table.concat(lines, " "):gsub("%s+", " "))
end

-- The text of a float title or footer ({ { text, hl }, ... }).
function H.chunks(chunks)
  return table.concat(vim.tbl_map(function(chunk)
    return chunk[1]
  end, chunks or {}))
end

function H.contains(haystack, needle)
  return haystack:find(needle, 1, true) ~= nil
end

function H.write(path, lines)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ":h"), "p")
  vim.fn.writefile(lines, path)
  return path
end

-- The first floating window and its buffer's lines.
function H.float()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    local config = vim.api.nvim_win_get_config(win)
    if config.relative ~= "" then
      local buf = vim.api.nvim_win_get_buf(win)
      return { win = win, buf = buf, config = config, lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false) }
    end
  end
end

-- The llmops diagnostics of a buffer, once the server has published some.
function H.diagnostics(bufnr)
  return H.wait("llmops diagnostics", function()
    local list = vim.tbl_filter(function(d)
      return d.source == "llmops"
    end, vim.diagnostic.get(bufnr))
    return #list > 0 and list or nil
  end)
end

-- Runs an llmops command on the server and returns its result.
function H.command(name, args)
  local result, err = require("llmops").execute_sync(name, args or {}, 5000)
  H.expect(err == nil, "%s failed: %s", name, tostring(err))
  return result
end

-- The built-in pack's files: content/builtin.toml, or content/builtin/*.toml.
function H.pack_files()
  local one = H.repo .. "/content/builtin.toml"
  local files = vim.fn.glob(H.repo .. "/content/builtin/*.toml", false, true)
  if #files == 0 then
    files = { one }
  end
  return files
end

-- exercise id -> id of the right choice ("a" for the first), from the
-- built-in pack. Choice ids are stable even when the float shuffles them.
function H.right_answers()
  local answers = {}
  for _, file in ipairs(H.pack_files()) do
    local in_exercise, id = false, nil
    for line in io.lines(file) do
      if line:match("^%[%[") then
        in_exercise, id = line == "[[exercise]]", nil
      end
      if in_exercise then
        id = line:match('^id = "(.-)"') or id
        local answer = line:match("^answer = (%d+)")
        if answer and id then
          answers[id] = string.char(string.byte("a") + tonumber(answer))
        end
      end
    end
  end
  return answers
end

-- The number (1-based, as shown) of choice `id` in an exercise view.
function H.number_of(exercise, id)
  for i, c in ipairs(exercise.choices) do
    if c.id == id then
      return i
    end
  end
  error("no choice " .. tostring(id) .. " in " .. exercise.id, 2)
end

-- True when the server offers `command` (its executeCommandProvider).
function H.server_has(command)
  local client = require("llmops").client()
  local provider = client and client.server_capabilities.executeCommandProvider
  return provider ~= nil and vim.tbl_contains(provider.commands or {}, command)
end

-- Checks that buffers under one root share a client and other roots get
-- their own. `dir` is a fresh temp dir.
function H.check_roots(dir)
  local a = H.write(dir .. "/proj-a/notes.md", { "We track TTFT here." })
  local a2 = H.write(dir .. "/proj-a/sub/more.md", { "And the prompt registry." })
  local b = H.write(dir .. "/proj-b/b.md", { "A model alias moved." })
  vim.fn.mkdir(dir .. "/proj-a/.git", "p")
  vim.fn.mkdir(dir .. "/proj-b/.llmops", "p")
  local ids = {}
  for _, path in ipairs({ a, a2, b }) do
    vim.cmd.edit(path)
    local bufnr = vim.api.nvim_get_current_buf()
    H.diagnostics(bufnr)
    local clients = require("llmops").clients({ name = "llmops", bufnr = bufnr })
    H.expect(#clients == 1, "%s: %d llmops clients attached", path, #clients)
    ids[path] = clients[1]
  end
  H.expect(ids[a].id == ids[a2].id, "proj-a files use different clients")
  H.expect(ids[a].id ~= ids[b].id, "proj-a and proj-b share a client")
  local root = function(c)
    return vim.fs.normalize(c.config.root_dir or "")
  end
  H.expect(root(ids[a]) == vim.fs.normalize(dir .. "/proj-a"), "proj-a root is %s", root(ids[a]))
  H.expect(root(ids[b]) == vim.fs.normalize(dir .. "/proj-b"), "proj-b root is %s", root(ids[b]))
end

-- A team pack with one term, `AGW`, that no built-in pack has.
H.TEAM_PACK = {
  "[[term]]",
  'id = "acme-gateway"',
  'name = "Acme gateway"',
  'aliases = ["AGW"]',
  'definition = "Our internal proxy in front of every model provider."',
}

-- True when the buffer has a hint for term `id`.
function H.flagged(bufnr, id)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == "llmops" and d.code == id then
      return true
    end
  end
  return false
end

-- The notices so far that contain `text`.
function H.noted(text)
  return vim.tbl_filter(function(n)
    return H.contains(n.msg, text)
  end, H.notes)
end

-- A folder with a team pack and a document using its term and a built-in
-- one; opens the document and waits for the built-in term's hint.
-- Returns the root, the pack's path and the document's buffer.
function H.team_folder(dir)
  local pack = H.write(dir .. "/.llmops/team.toml", H.TEAM_PACK)
  local bufnr = H.open_with_ttft(dir .. "/notes.md", { "Requests go through AGW; TTFT is measured there." })
  return vim.fs.normalize(dir), pack, bufnr
end

-- Writes `lines` (which mention TTFT) to `path`, opens it and waits for the
-- built-in term's hint: the server is attached and has published. Returns
-- the buffer.
function H.open_with_ttft(path, lines)
  vim.cmd.edit(H.write(path, lines))
  local bufnr = vim.api.nvim_get_current_buf()
  H.wait("the built-in term's hint", function()
    return H.flagged(bufnr, "ttft")
  end)
  return bufnr
end

-- Later tests only pile up timeouts once the server is not answering.
function H.bail_out_if_failed(why, started)
  if H.failed > 0 then
    out("# Bail out! " .. why)
    H.finish("bailed out", started)
  end
end

function H.finish(name, started)
  out(("# %s: %d passed, %d failed in %.1fs"):format(name, H.passed, H.failed, (vim.uv or vim.loop).hrtime() / 1e9 - started))
  if H.failed > 0 then
    vim.cmd("cquit 1")
  else
    vim.cmd("qall!")
  end
end

return H
