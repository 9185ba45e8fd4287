#!/usr/bin/env node
// Runs every *server* scenario of @modelcontextprotocol/conformance against an
// MCP endpoint, one CLI process per scenario with its own time limit, and
// prints one JSON object as the last (and only) line of stdout:
//
//   {"scenarios": {"<name>": {"passed": true|false, "detail": "..."}}}
//
// Usage: node run-conformance.mjs <url> [--timeout-ms N] [--concurrency N]
//                                 [--scenarios a,b,...] [--allow-warnings] [--keep]
//   <url>              e.g. http://127.0.0.1:PORT/mcp
//   --timeout-ms N     time limit per scenario (default 30000); the scenario's
//                      process group is killed when it runs out
//   --concurrency N    scenarios run at once (default 4)
//   --scenarios a,b    run only these scenarios (default: all server scenarios)
//   --allow-warnings   count WARNING checks as passing (the CLI's own rule);
//                      by default a scenario passes only with no FAILURE and no
//                      WARNING check
//   --keep             keep the per-scenario result directories (path on stderr)
//
// How the CLI reports (conformance 0.1.16): `conformance server --url U
// --scenario S -o DIR` writes DIR/server-S-<timestamp>/checks.json, an array of
// checks {id, name, description, status: SUCCESS|FAILURE|WARNING|INFO,
// errorMessage?, details?}, and exits 1 if any check is FAILURE (warnings do
// not change the exit code). There is no JSON-on-stdout option for the summary
// (--verbose only dumps each scenario's checks, interleaved with text), and a
// scenario has no time limit of its own, hence one process per scenario here.
// Progress goes to stderr.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const CLI = path.join(path.dirname(require.resolve('@modelcontextprotocol/conformance/package.json')), 'dist', 'index.js');

function usage(msg) {
  if (msg) process.stderr.write(`run-conformance: ${msg}\n`);
  process.stderr.write('usage: node run-conformance.mjs <url> [--timeout-ms N] [--concurrency N] '
    + '[--scenarios a,b] [--allow-warnings] [--keep]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { url: undefined, timeoutMs: 30000, concurrency: 4, only: undefined, allowWarnings: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) usage(`missing value for ${a}`);
      return v;
    };
    if (a === '--timeout-ms' || a.startsWith('--timeout-ms=')) opts.timeoutMs = Number(value());
    else if (a === '--concurrency' || a.startsWith('--concurrency=')) opts.concurrency = Number(value());
    else if (a === '--scenarios' || a.startsWith('--scenarios=')) opts.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--allow-warnings') opts.allowWarnings = true;
    else if (a === '--keep') opts.keep = true;
    else if (a === '--help' || a === '-h') usage();
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else if (opts.url === undefined) opts.url = a;
    else usage(`unexpected argument ${a}`);
  }
  if (!opts.url) usage('missing <url>');
  try {
    new URL(opts.url);
  } catch {
    usage(`not a URL: ${opts.url}`);
  }
  if (!(opts.timeoutMs > 0)) usage('bad --timeout-ms');
  if (!(Number.isInteger(opts.concurrency) && opts.concurrency > 0)) usage('bad --concurrency');
  return opts;
}

/** Runs the CLI; resolves {code, signal, timedOut, output}. */
function runCli(args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout can kill everything it started
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    let output = '';
    const collect = (d) => {
      output += d;
      if (output.length > 200000) output = output.slice(-100000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, timedOut, output: `${output}\n${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, output });
    });
  });
}

async function listServerScenarios() {
  const r = await runCli(['list', '--server'], 30000);
  if (r.code !== 0) throw new Error(`conformance list failed (${r.code}): ${r.output.trim()}`);
  const names = [];
  for (const line of r.output.split('\n')) {
    const m = /^\s+-\s+(\S+)/.exec(line);
    if (m) names.push(m[1]);
  }
  if (names.length === 0) throw new Error(`no scenarios found in: ${r.output.trim()}`);
  return names;
}

function findChecksFile(dir) {
  if (!fs.existsSync(dir)) return undefined;
  for (const entry of fs.readdirSync(dir)) {
    const f = path.join(dir, entry, 'checks.json');
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

const tail = (s, n = 400) => {
  const t = s.replace(/\x1b\[[0-9;]*m/g, '').trim();
  return t.length > n ? `...${t.slice(-n)}` : t;
};

async function runScenario(name, opts, workDir) {
  const outDir = path.join(workDir, name.replace(/[^A-Za-z0-9_.-]/g, '_'));
  fs.mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  const r = await runCli(['server', '--url', opts.url, '--scenario', name, '-o', outDir], opts.timeoutMs);
  const ms = Date.now() - started;

  if (r.timedOut) {
    return { passed: false, detail: `timed out after ${opts.timeoutMs} ms; output: ${tail(r.output)}` };
  }
  const checksFile = findChecksFile(outDir);
  if (!checksFile) {
    return { passed: false, detail: `no checks.json (exit ${r.code ?? r.signal}); output: ${tail(r.output)}` };
  }
  let checks;
  try {
    checks = JSON.parse(fs.readFileSync(checksFile, 'utf8'));
  } catch (e) {
    return { passed: false, detail: `unreadable checks.json: ${e.message}` };
  }
  const by = (s) => checks.filter((c) => c.status === s);
  const failures = by('FAILURE');
  const warnings = by('WARNING');
  const successes = by('SUCCESS');
  const problems = [...failures, ...warnings].map((c) => `${c.status} ${c.id}: ${c.errorMessage ?? c.description}`);
  const passed = r.code === 0 && failures.length === 0 && (opts.allowWarnings || warnings.length === 0)
    && successes.length + warnings.length > 0;
  let detail = `${successes.length} passed, ${failures.length} failed, ${warnings.length} warnings (${ms} ms)`;
  if (problems.length) detail += `: ${problems.join('; ')}`;
  if (r.code !== 0 && failures.length === 0) detail += `; CLI exit ${r.code ?? r.signal}`;
  if (successes.length + warnings.length + failures.length === 0) detail += '; no SUCCESS/WARNING checks at all';
  return { passed, detail };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let names = await listServerScenarios();
  if (opts.only) {
    const unknown = opts.only.filter((n) => !names.includes(n));
    if (unknown.length) usage(`unknown scenario(s): ${unknown.join(', ')} (known: ${names.join(', ')})`);
    names = opts.only;
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-conformance-'));
  process.stderr.write(`running ${names.length} scenarios against ${opts.url} `
    + `(timeout ${opts.timeoutMs} ms each, ${opts.concurrency} at a time)\n`);

  const results = {};
  const queue = [...names];
  const worker = async () => {
    while (queue.length) {
      const name = queue.shift();
      let res;
      try {
        res = await runScenario(name, opts, workDir);
      } catch (e) {
        res = { passed: false, detail: `runner error: ${e.message}` };
      }
      results[name] = res;
      process.stderr.write(`${res.passed ? 'PASS' : 'FAIL'} ${name}: ${res.detail}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, names.length) }, worker));

  if (opts.keep) process.stderr.write(`results kept in ${workDir}\n`);
  else fs.rmSync(workDir, { recursive: true, force: true });

  const scenarios = {};
  for (const n of names) scenarios[n] = results[n];
  const passedCount = names.filter((n) => results[n].passed).length;
  process.stderr.write(`${passedCount}/${names.length} scenarios passed\n`);
  process.stdout.write(`${JSON.stringify({ scenarios })}\n`);
}

main().catch((e) => {
  process.stderr.write(`run-conformance: ${e?.stack ?? e}\n`);
  process.exit(1);
});
