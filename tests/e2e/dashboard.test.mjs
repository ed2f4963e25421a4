// Browser end-to-end tests of the `paddock serve` dashboard (src/web/static) with Debian's
// chromium through playwright-core, on a fresh demo database.
//
//   npm ci && npm run test:e2e          (or: node --test tests/e2e/)
//
// Environment: PADDOCK_BINARY (default <repo>/build/paddock), PADDOCK_E2E_RACES (demo size,
// default 20000: the cancel test needs a job that runs for a few seconds), CHROMIUM
// (default /usr/bin/chromium), PADDOCK_E2E_KEEP=1 keeps the temporary directory.
// Screenshots of every view are written to docs/screenshots/, or to the directory named by
// PADDOCK_E2E_SCREENSHOTS (0: none), so that a test run need not touch the tracked images.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, execFile} from 'node:child_process';
import {mkdtempSync, mkdirSync, rmSync, existsSync} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {chromium} from 'playwright-core';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const binary = process.env.PADDOCK_BINARY || path.join(repo, 'build', 'paddock');
const shotsSetting = process.env.PADDOCK_E2E_SCREENSHOTS;
const shots = shotsSetting === '0' ? null : path.resolve(shotsSetting || path.join(repo, 'docs', 'screenshots'));
const races = process.env.PADDOCK_E2E_RACES || '20000';
const DESKTOP = {width: 1280, height: 800};
const PHONE = {width: 390, height: 844};
const CSV_HEADER = 'race_id,race_date,venue,meeting_no,race_no,number,horse,score,win_probability,predicted_rank,odds,finish_position,incident,model_id,job_id,race_name,discipline,distance_m,is_quinte,post_time,fundamental_probability,market_probability,value,odds_source';

let tmp;
let db;
let env;
let browser;
let main;                 // {proc, base, output}
const servers = [];
const shared = {};        // what one test leaves for the next

// ------------------------------------------------------------------------------------------
// Server and browser
// ------------------------------------------------------------------------------------------
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startServer(extra = []) {
  const port = await freePort();
  const proc = spawn(binary, ['serve', '--db', db, '--port', String(port), ...extra], {cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe']});
  const server = {proc, base: `http://127.0.0.1:${port}`, output: '', exited: null};
  proc.stdout.on('data', (d) => { server.output += d; });
  proc.stderr.on('data', (d) => { server.output += d; });
  server.exit = new Promise((resolve) => proc.on('exit', (code, signal) => { server.exited = {code, signal}; resolve(server.exited); }));
  servers.push(server);
  const deadline = Date.now() + 20000;
  for (;;) {
    if (server.exited) throw new Error(`paddock serve exited early (${JSON.stringify(server.exited)}):\n${server.output}`);
    try {
      const res = await fetch(server.base + '/api/health', {headers: extra.includes('--token') ? {Authorization: 'Bearer ' + extra[extra.indexOf('--token') + 1]} : {}});
      if (res.ok) break;
    } catch (_) { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error('paddock serve did not answer /api/health within 20 s:\n' + server.output);
    await sleep(100);
  }
  return server;
}

async function stopServer(server) {
  if (server.exited) return server.exited;
  server.proc.kill('SIGTERM');
  const timeout = sleep(5000).then(() => null);
  const result = await Promise.race([server.exit, timeout]);
  if (!result) {
    server.proc.kill('SIGKILL');
    throw new Error('paddock serve did not stop within 5 s of SIGTERM:\n' + server.output);
  }
  return result;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(server, method, apiPath, body, token) {
  const headers = {Accept: 'application/json'};
  if (token) headers.Authorization = 'Bearer ' + token;
  const init = {method, headers};
  if (method !== 'GET') { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body ?? {}); }
  const res = await fetch(server.base + apiPath, init);
  const text = await res.text();
  let data = null;
  try { data = JSON.parse(text); } catch (_) { data = text; }
  return {status: res.status, data, headers: res.headers};
}

async function waitFor(fn, what, timeout = 30000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await sleep(200);
  }
}

// A page with checks: no script error, no reload (a marker set at load must survive).
async function openPage(server, {viewport = DESKTOP, hash = '', allowConsole = []} = {}) {
  const context = await browser.newContext({viewport});
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push('page error: ' + err.message));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (!allowConsole.some((re) => re.test(text))) problems.push('console error: ' + text);
  });
  let loads = 0;
  page.on('load', () => { loads++; });
  await page.goto(server.base + '/' + hash);
  await page.evaluate(() => { window.__e2eMarker = 'not reloaded'; });
  const check = async () => {
    assert.deepEqual(problems, [], 'the page logged errors');
    assert.equal(loads, 1, 'the page was loaded more than once');
    assert.equal(await page.evaluate(() => window.__e2eMarker), 'not reloaded', 'the page was reloaded');
  };
  return {page, context, problems, check};
}

async function shot(page, name) {
  if (!shots) return;
  await page.screenshot({path: path.join(shots, name + '.png'), fullPage: false});
}

const byTestId = (id) => `[data-testid="${id}"]`;
const card = (id) => `[data-testid="job-card"][data-job-id="${id}"]`;
const row = (id) => `[data-testid="history-row"][data-job-id="${id}"]`;
const schedule = (name) => `[data-testid="schedule"][data-name="${name}"]`;
const SCHEDULE = 'e2e-evening';
const SCHEDULE_CRON = '0 20 * * 1-5';

// RFC 4180 CSV, enough for paddock's export.
function parseCsv(text) {
  const rows = [];
  let rowv = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') { if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false; } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { rowv.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      rowv.push(field); rows.push(rowv); rowv = []; field = '';
    } else field += ch;
  }
  if (field !== '' || rowv.length) { rowv.push(field); rows.push(rowv); }
  return rows;
}

before(async () => {
  assert.ok(existsSync(binary), `no paddock binary at ${binary} (build it, or set PADDOCK_BINARY)`);
  if (shots) mkdirSync(shots, {recursive: true});
  tmp = mkdtempSync(path.join(os.tmpdir(), 'paddock-e2e-'));
  db = path.join(tmp, 'e2e.db');
  env = {...process.env, XDG_CONFIG_HOME: tmp, HOME: tmp};
  for (const key of ['PADDOCK_DB', 'PADDOCK_TOKEN', 'PADDOCK_CONFIG', 'PADDOCK_TREE_EVALUATOR', 'PADDOCK_HISTORY']) delete env[key];
  await run(binary, ['demo', '--db', db, '--races', races], {cwd: tmp, env});
  await run(binary, ['train', '--db', db, '--trees', '20', '--depth', '4'], {cwd: tmp, env});
  // A second model, not active: the Models view activates it and back.
  await run(binary, ['train', '--db', db, '--trees', '5', '--depth', '3', '--name', 'e2e-second', '--no-activate'], {cwd: tmp, env});
  main = await startServer();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  // A day with finished races: the demo leaves its last two days upcoming.
  const days = (await api(main, 'GET', '/api/days?limit=30')).data.days;
  assert.ok(days.length >= 4, 'the demo database has too few days');
  shared.day = days[2].date;
  shared.dayRaces = (await api(main, 'GET', '/api/races?date=' + shared.day)).data.races;
  assert.ok(shared.dayRaces.length > 0, 'no race on ' + shared.day);
});

after(async () => {
  if (browser) await browser.close();
  const results = [];
  for (const server of servers) results.push(await stopServer(server).catch((err) => err));
  if (tmp && !process.env.PADDOCK_E2E_KEEP) rmSync(tmp, {recursive: true, force: true});
  else if (tmp) console.log('kept', tmp);
  for (const r of results) if (r instanceof Error) throw r;
});

// ------------------------------------------------------------------------------------------
// The tests, in order: later ones use the jobs the earlier ones made.
// ------------------------------------------------------------------------------------------
test('Launch: one day, then the job reaches 100% in Active jobs and completed in History, without a reload', {timeout: 60000}, async () => {
  const {page, context, check} = await openPage(main);
  try {
    await page.click(byTestId('tab-launch'));
    await page.check(byTestId('mode-date'));
    await page.fill(byTestId('field-date'), shared.day);
    const preview = page.locator(byTestId('preview-count'));
    await preview.waitFor();
    assert.equal(await preview.textContent(), String(shared.dayRaces.length), 'the preview counts the races of the day');
    // The model select lists the trained model, the active one by default.
    assert.equal(await page.locator(byTestId('field-model')).inputValue(), '');
    assert.ok((await page.locator(`${byTestId('field-model')} option`).count()) >= 2);
    await shot(page, 'launch');

    await page.click(byTestId('launch-button'));
    await page.locator(`${byTestId('tab-active')}[aria-selected="true"]`).waitFor();
    const highlighted = page.locator('[data-testid="job-card"][data-highlighted="true"]');
    await highlighted.waitFor();
    const id = await highlighted.getAttribute('data-job-id');
    assert.match(id, /^batch_/);
    shared.dayJob = id;

    const bar = page.locator(`${card(id)} [role="progressbar"]`);
    await page.locator(`${card(id)}[data-status="completed"]`).waitFor({timeout: 45000});
    assert.equal(await bar.getAttribute('aria-valuenow'), '100');
    assert.equal(await page.locator(`${card(id)} ${byTestId('stat-processed')}`).textContent(),
      `${shared.dayRaces.length} / ${shared.dayRaces.length}`);

    await page.click(byTestId('tab-history'));
    const r = page.locator(row(id));
    await r.waitFor();
    assert.equal(await r.getAttribute('data-status'), 'completed');
    assert.equal(await r.locator(byTestId('cell-success')).textContent(), '100.0%');
    assert.equal((await api(main, 'GET', '/api/jobs/' + id)).data.status, 'completed');
    await check();
  } finally {
    await context.close();
  }
});

test('Active jobs: a running job shows live progress and a chart, and Cancel stops it', {timeout: 90000}, async () => {
  const {page, context, check} = await openPage(main);
  try {
    await page.check(byTestId('mode-all'));
    await page.fill(byTestId('field-workers'), '1');
    await page.fill(byTestId('field-chunk-size'), '1');
    await page.locator(byTestId('preview-count')).waitFor();
    await page.click(byTestId('launch-button'));
    const highlighted = page.locator('[data-testid="job-card"][data-highlighted="true"]');
    await highlighted.waitFor();
    const id = await highlighted.getAttribute('data-job-id');
    shared.cancelJob = id;
    const c = page.locator(card(id));
    // Running, with races done, and two or more samples in its chart.
    await page.waitForFunction((sel) => {
      const el = document.querySelector(sel);
      if (!el || el.dataset.status !== 'running') return false;
      const bar = el.querySelector('[role="progressbar"]');
      const chart = el.querySelector('[data-testid="job-chart"]');
      return Number(bar.getAttribute('aria-valuenow')) >= 1 && Number(chart.dataset.samples || 0) >= 2;
    }, card(id), {timeout: 30000});
    assert.match(await c.locator(byTestId('stat-throughput')).textContent(), /\/s$/);
    assert.match(await c.locator(byTestId('stat-memory')).textContent(), /MB/);
    assert.equal(await c.locator(`${byTestId('job-chart')} polyline`).count(), 2);
    await shot(page, 'active-jobs');

    await c.locator(byTestId('action-cancel')).click();
    await page.locator(`${card(id)}[data-status="cancelled"]`).waitFor({timeout: 30000});
    const job = (await api(main, 'GET', '/api/jobs/' + id)).data;
    assert.equal(job.status, 'cancelled');
    assert.ok(job.processed_races < job.total_races, `processed ${job.processed_races} of ${job.total_races}`);
    assert.ok(job.processed_races > 0);
    await check();
  } finally {
    await context.close();
  }
});

test('Queue: one job at a time, a queued job shows its place, takes a priority and is cancelled', {timeout: 60000}, async () => {
  const {page, context, check} = await openPage(main, {hash: '#active'});
  try {
    await page.fill(byTestId('queue-max'), '1');
    await page.click(byTestId('queue-set'));
    await waitFor(async () => (await api(main, 'GET', '/api/queue')).data.max_running === 1, 'max_running 1');
    const first = await api(main, 'POST', '/api/jobs', {all: true, workers: 1, chunk_size: 1, job_id: 'e2e_queue_running'});
    assert.equal(first.status, 201, JSON.stringify(first.data));
    const second = await api(main, 'POST', '/api/jobs', {date: shared.day, all: true, job_id: 'e2e_queue_waiting'});
    assert.equal(second.status, 201, JSON.stringify(second.data));
    const waiting = page.locator(card('e2e_queue_waiting'));
    await page.locator(`${card('e2e_queue_waiting')}[data-status="queued"]`).waitFor();
    assert.equal(await waiting.locator(byTestId('queue-position')).textContent(), '#1 in queue');
    assert.match(await page.locator(byTestId('queue-summary')).textContent(), /1 running, 1 queued · at most 1 at once/);
    await waiting.locator(byTestId('priority-input')).fill('5');
    await waiting.locator(byTestId('priority-set')).click();
    await waitFor(async () => (await api(main, 'GET', '/api/jobs/e2e_queue_waiting')).data.priority === 5, 'priority 5');
    await waiting.locator(byTestId('action-cancel')).click();
    await page.locator(`${card('e2e_queue_waiting')}[data-status="cancelled"]`).waitFor();
    await page.locator(`${card('e2e_queue_running')} ${byTestId('action-cancel')}`).click();
    await page.locator(`${card('e2e_queue_running')}[data-status="cancelled"]`).waitFor({timeout: 30000});
    assert.equal((await api(main, 'GET', '/api/jobs/e2e_queue_waiting')).data.processed_races, 0);
    await page.fill(byTestId('queue-max'), '2');
    await page.click(byTestId('queue-set'));
    await waitFor(async () => (await api(main, 'GET', '/api/queue')).data.max_running === 2, 'max_running 2');
    await check();
  } finally {
    await context.close();
  }
});

test('Job detail: the options and the live log of a job', {timeout: 60000}, async () => {
  const {page, context, check} = await openPage(main, {hash: '#history'});
  try {
    const id = shared.dayJob;
    await page.locator(`${row(id)} ${byTestId('job-link')}`).click();
    await page.locator(`${byTestId('tab-job')}[aria-selected="true"]`).waitFor();
    assert.equal(await page.locator(byTestId('detail-job-id')).textContent(), id);
    const log = page.locator(byTestId('job-log'));
    await page.waitForFunction((sel) => /Loading race history/.test(document.querySelector(sel).textContent), byTestId('job-log'));
    const text = await log.textContent();
    assert.ok(text.includes(id), 'the log names the job');
    assert.match(text, /BATCH PREDICTION COMPLETE/);
    assert.equal(await page.locator(byTestId('config-date')).textContent(), shared.day);
    assert.equal(await page.locator(byTestId('field-status')).textContent(), 'completed');
    await page.locator(byTestId('no-failed')).waitFor();
    await shot(page, 'job-detail');
    await check();
  } finally {
    await context.close();
  }
});

test('Retry failed: unknown race ids fail, and Retry failed makes a linked job', {timeout: 60000}, async () => {
  const {page, context, check} = await openPage(main);
  try {
    const real = shared.dayRaces[0].race_id;
    await page.check(byTestId('mode-custom'));
    await page.fill(byTestId('field-race-ids'), `999999991, 999999992 ${real}`);
    // The preview counts the races found, and names the ids that are no race.
    await page.locator(byTestId('preview-unknown')).waitFor();
    assert.equal(await page.locator(byTestId('preview-count')).textContent(), '1');
    assert.match(await page.locator(byTestId('preview-unknown')).textContent(), /2 ids name no race \(999999991, 999999992\)/);
    await page.click(byTestId('launch-button'));
    const highlighted = page.locator('[data-testid="job-card"][data-highlighted="true"]');
    await highlighted.waitFor();
    const id = await highlighted.getAttribute('data-job-id');
    shared.failJob = id;
    await page.locator(`${card(id)}[data-status="completed"]`).waitFor({timeout: 30000});

    await page.click(byTestId('tab-history'));
    const r = page.locator(row(id));
    await r.waitFor();
    assert.match(await r.locator(byTestId('cell-races')).textContent(), /3 \/ 3 \(2 failed\)/);
    await r.locator(byTestId('job-link')).click();
    await page.locator(byTestId('failed-race')).first().waitFor();
    const reasons = await page.locator(byTestId('failed-reason')).allTextContents();
    assert.deepEqual(reasons, ['race not found', 'race not found']);
    const ids = await page.locator(byTestId('failed-race')).evaluateAll((els) => els.map((e) => e.dataset.raceId).sort());
    assert.deepEqual(ids, ['999999991', '999999992']);

    await page.locator(`${byTestId('detail-actions')} ${byTestId('action-retry')}`).click();
    const retry = page.locator(`${byTestId('detail-retries')} ${byTestId('retry-job')} a`);
    await retry.waitFor();
    const retryId = (await retry.textContent()).trim();
    assert.notEqual(retryId, id);
    const job = (await api(main, 'GET', '/api/jobs/' + retryId)).data;
    assert.equal(job.retry_of, id);
    // History shows the new job, linked to the first.
    await page.click(byTestId('tab-history'));
    await page.locator(`${row(retryId)} ${byTestId('retry-of')}`).waitFor();
    assert.match(await page.locator(`${row(retryId)} ${byTestId('retry-of')}`).textContent(), new RegExp(id));
    await page.locator(`${row(retryId)}:is([data-status="completed"],[data-status="failed"])`).waitFor({timeout: 30000});
    await shot(page, 'history');
    await check();
  } finally {
    await context.close();
  }
});

test('Export CSV: a job\'s predictions and a day\'s', {timeout: 60000}, async () => {
  const {page, context, check} = await openPage(main, {hash: '#job/' + encodeURIComponent(shared.dayJob)});
  try {
    const link = page.locator(byTestId('export-csv'));
    await link.waitFor();
    const href = await link.getAttribute('href');
    assert.equal(href, `/api/jobs/${shared.dayJob}/predictions.csv`);
    const res = await page.request.get(main.base + href);
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-type'] || '', /text\/csv/);
    const rows = parseCsv(await res.text()).filter((x) => x.length > 1);
    assert.equal(rows[0].join(','), CSV_HEADER);
    const data = rows.slice(1);
    assert.ok(data.length > 0, 'the job CSV has rows');
    const dayIds = new Set(shared.dayRaces.map((r) => String(r.race_id)));
    const job = (await api(main, 'GET', '/api/jobs/' + shared.dayJob)).data;
    const raceIds = new Set(data.map((x) => x[0]));
    for (const id of raceIds) assert.ok(dayIds.has(id), `race ${id} is not a race of the job`);
    assert.equal(raceIds.size, job.successful_races, 'one set of rows per predicted race');
    const starters = shared.dayRaces.reduce((n, r) => n + (r.starters || 0), 0);
    assert.equal(data.length, starters, 'one row per starter of the job\'s races');
    for (const x of data) assert.equal(x[1], shared.day);

    // The day's CSV, from the Predictions view.
    await page.evaluate((day) => { location.hash = '#predictions/' + day; }, shared.day);
    const dayLink = page.locator(byTestId('day-csv'));
    await dayLink.waitFor();
    const dayHref = await dayLink.getAttribute('href');
    assert.equal(dayHref, `/api/predictions.csv?date=${shared.day}`);
    const dayRes = await page.request.get(main.base + dayHref);
    assert.equal(dayRes.status(), 200);
    const dayRows = parseCsv(await dayRes.text()).filter((x) => x.length > 1);
    assert.equal(dayRows[0].join(','), CSV_HEADER);
    assert.ok(dayRows.length > 1);
    for (const x of dayRows.slice(1)) assert.equal(x[1], shared.day);
    await check();
  } finally {
    await context.close();
  }
});

test('Predictions: a predicted day, ranked runners, Quinté+ pick and hits', {timeout: 60000}, async () => {
  const {page, context, check} = await openPage(main, {hash: '#predictions'});
  try {
    await page.locator(byTestId('day-select')).selectOption(shared.day);
    await page.locator(`${byTestId('day-title')}:text-is("${shared.day}")`).waitFor();
    const racesOnPage = page.locator(byTestId('race'));
    await racesOnPage.first().waitFor();
    assert.equal(await racesOnPage.count(), shared.dayRaces.length);
    assert.equal(await page.locator('[data-testid="race"][data-predicted="false"]').count(), 0);
    // Every race: ranks 1..n in order, rank 1 the most likely, probabilities summing to 100%.
    const checks = await racesOnPage.evaluateAll((els) => els.map((el) => {
      const rows = Array.from(el.querySelectorAll('[data-testid="runner"]'));
      const ranks = rows.map((r) => Number(r.dataset.rank));
      const probs = rows.map((r) => Number(r.dataset.probability));
      return {id: el.dataset.raceId, ranks, probs, sum: Number(el.querySelector('[data-testid="prob-sum"]').dataset.sum),
        quinte: el.dataset.quinte === 'true', picks: el.querySelectorAll('[data-testid="quinte-pick"]').length,
        hits: el.querySelectorAll('[data-testid="hit"]').length, finishes: rows.filter((r) => /^\d+$/.test(r.querySelector('[data-testid="runner-finish"]').textContent)).length};
    }));
    for (const c of checks) {
      assert.deepEqual(c.ranks, c.ranks.map((_, i) => i + 1), `race ${c.id}: runners in rank order`);
      assert.equal(Math.max(...c.probs), c.probs[0], `race ${c.id}: rank 1 has the highest probability`);
      assert.ok(Math.abs(c.sum - 1) < 0.005, `race ${c.id}: probabilities sum to ${c.sum}`);
      assert.ok(c.finishes > 0, `race ${c.id}: finish positions shown`);
      assert.equal(c.picks, c.quinte ? 5 : 0, `race ${c.id}: Quinté+ pick`);
    }
    assert.equal(checks.filter((c) => c.quinte).length, 1, 'one Quinté+ race on a demo day');
    assert.ok(checks.reduce((n, c) => n + c.hits, 0) > 0, 'hits are marked on finished races');
    const quinte = page.locator('[data-testid="race"][data-quinte="true"]');
    await quinte.locator(byTestId('quinte-badge')).waitFor();
    assert.match(await quinte.locator(byTestId('quinte-ticket')).textContent(), /Quinté\+ pick: \d+( – \d+){4}/);
    await shot(page, 'predictions');

    // An upcoming day that no job predicted: races marked "not predicted".
    const days = (await api(main, 'GET', '/api/days?limit=30')).data.days;
    const unpredicted = days.find((d) => d.predicted === 0 && d.races > 0);
    if (unpredicted) {
      await page.fill(byTestId('day-input'), unpredicted.date);
      await page.click(byTestId('day-show'));
      await page.locator(`${byTestId('day-title')}:text-is("${unpredicted.date}")`).waitFor();
      await page.locator(byTestId('not-predicted')).first().waitFor();
      assert.equal(await page.locator('[data-testid="race"][data-predicted="true"]').count(), 0);
    }

    // A phone: the same day, nothing wider than the screen.
    await page.setViewportSize(PHONE);
    await page.fill(byTestId('day-input'), shared.day);
    await page.click(byTestId('day-show'));
    await page.locator(`${byTestId('day-title')}:text-is("${shared.day}")`).waitFor();
    await page.locator(byTestId('race')).first().waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `the page is ${width}px wide on a 390px screen`);
    await shot(page, 'predictions-phone');
    await check();
  } finally {
    await context.close();
  }
});

test('Models: the active model, its evaluation table and calibration plot', {timeout: 90000}, async () => {
  const {page, context, check} = await openPage(main, {hash: '#models'});
  try {
    const rowEl = page.locator('[data-testid="model-row"][data-model-id="1"]');
    const second = page.locator('[data-testid="model-row"][data-model-id="2"]');
    await rowEl.waitFor();
    await rowEl.locator(byTestId('model-active')).waitFor();
    assert.equal(await second.locator(byTestId('model-active')).count(), 0);
    assert.equal(await rowEl.locator(byTestId('model-activate')).count(), 0, 'no Activate button on the active model');
    // Activate the second model, then the first again.
    await second.locator(byTestId('model-activate')).click();
    await second.locator(byTestId('model-active')).waitFor();
    assert.equal((await api(main, 'GET', '/api/models')).data.models.find((m) => m.id === 2).is_active, true);
    assert.equal(await rowEl.locator(byTestId('model-active')).count(), 0);
    await rowEl.locator(byTestId('model-activate')).click();
    await rowEl.locator(byTestId('model-active')).waitFor();
    assert.equal((await api(main, 'GET', '/api/models')).data.models.find((m) => m.id === 1).is_active, true);
    await rowEl.locator(byTestId('model-evaluate')).click();
    await page.locator(byTestId('eval-table')).waitFor({timeout: 60000});
    for (const name of ['combined', 'market']) {
      const cells = page.locator(`[data-testid="eval-row"][data-predictor="${name}"] td[data-metric]`);
      const values = await cells.evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.metric, e.dataset.value])));
      for (const key of ['races', 'winner_hit', 'winner_in_top3', 'top5_overlap', 'ndcg5', 'log_loss', 'pseudo_r2']) {
        assert.ok(values[key] !== '' && Number.isFinite(Number(values[key])), `${name}: ${key} = '${values[key]}'`);
      }
      assert.ok(Number(values.races) > 0);
      assert.ok(Number(values.winner_hit) > 0 && Number(values.winner_hit) < 1);
    }
    const points = await page.locator(`${byTestId('calibration-svg')} ${byTestId('calibration-point')}`).count();
    assert.ok(points > 0, 'the calibration plot has points');
    assert.ok((await page.locator(byTestId('calibration-series')).count()) >= 2);
    await page.locator(byTestId('evaluation')).evaluate((el) => el.scrollIntoView({block: 'start'}));
    await shot(page, 'models');
    await check();
  } finally {
    await context.close();
  }
});

// The browser logs an answer 400 as a console error: the refusals these tests ask for.
const EXPECTED_400 = [/status of 400 \(Bad Request\)/];

test('Schedules: add one from the form; the cron is read in words with its next fire times as you type', {timeout: 30000}, async () => {
  const {page, context, check} = await openPage(main, {hash: '#schedules', allowConsole: EXPECTED_400});
  try {
    await page.locator(`${byTestId('tab-schedules')}[aria-selected="true"]`).waitFor();
    await page.click(byTestId('schedule-new'));
    await page.locator(byTestId('schedule-form')).waitFor();
    assert.equal(await page.locator(byTestId('sf-zone')).inputValue(), 'Europe/Paris');
    await page.fill(byTestId('sf-name'), SCHEDULE);
    // A bad cron: the server's message, next to the field.
    const cron = page.locator(byTestId('sf-cron'));
    await cron.pressSequentially('0 20 * *', {delay: 10});
    const bad = await api(main, 'POST', '/api/schedules/preview', {cron: '0 20 * *', time_zone: 'Europe/Paris'});
    assert.equal(bad.status, 400);
    await page.locator(`${byTestId('cron-preview')}[data-state="error"][data-cron="0 20 * *"]`).waitFor();
    assert.equal(await page.locator(byTestId('cron-preview-error')).textContent(), bad.data.error.message);
    // Typed on, it is read in words, with its next five fire times in the zone.
    await cron.pressSequentially(' 1-5', {delay: 10});
    await page.locator(`${byTestId('cron-preview')}[data-state="ok"][data-cron="${SCHEDULE_CRON}"]`).waitFor();
    const good = (await api(main, 'POST', '/api/schedules/preview', {cron: SCHEDULE_CRON, time_zone: 'Europe/Paris', count: 5})).data;
    assert.equal(await page.locator(byTestId('cron-description')).textContent(), good.description);
    assert.match(good.description, /20:00.*Monday to Friday/);
    assert.deepEqual(await page.locator(byTestId('cron-next-local')).allTextContents(), good.next_fire_times_local);
    assert.equal(good.next_fire_times_local.length, 5);
    // The job template: one day, with the forms of a day explained beside it.
    await page.check(byTestId('sf-mode-date'));
    assert.match(await page.locator(byTestId('sf-days-hint')).textContent(), /today.*tomorrow.*yesterday.*\+N.*-N.*YYYY-MM-DD/);
    await page.fill(byTestId('sf-date'), 'tmrw');
    assert.match(await page.locator(byTestId('sf-date-error')).textContent(), /'tmrw' is not today, tomorrow, yesterday, \+N, -N or a date/);
    await page.fill(byTestId('sf-date'), shared.day);
    assert.equal(await page.locator(byTestId('sf-date-error')).textContent(), '');
    await page.check(byTestId('sf-again'));
    await page.fill(byTestId('sf-grace'), '30');
    await page.fill(byTestId('sf-workers'), '2');
    await page.fill(byTestId('sf-priority'), '3');
    await page.fill(byTestId('sf-retries'), '0');
    await page.click(byTestId('schedule-submit'));
    // Listed, with its next fire time; the form closes.
    const item = page.locator(schedule(SCHEDULE));
    await item.waitFor();
    await page.locator(byTestId('schedule-form-card')).waitFor({state: 'hidden'});
    assert.equal(await item.getAttribute('data-state'), 'active');
    assert.equal(await item.locator(byTestId('schedule-next')).textContent(), good.next_fire_times_local[0]);
    assert.equal(await item.locator(byTestId('schedule-description')).textContent(), good.description);
    assert.equal(await item.locator(byTestId('schedule-zone')).textContent(), 'Europe/Paris');
    assert.match(await page.locator(byTestId('schedule-notice')).textContent(), new RegExp(`Schedule ${SCHEDULE} added: next fire time`));
    const stored = (await api(main, 'GET', '/api/schedules/' + SCHEDULE)).data;
    assert.equal(stored.cron, SCHEDULE_CRON);
    assert.equal(stored.time_zone, 'Europe/Paris');
    assert.equal(stored.grace_seconds, 1800);
    assert.equal(stored.paused, false);
    assert.deepEqual(stored.options, {date: shared.day, all: true, workers: 2, priority: 3, retries: 0});
    await check();
  } finally {
    await context.close();
  }
});

test('Schedules: run now launches a job named after the schedule, opened in Job detail and listed in its last runs', {timeout: 45000}, async () => {
  const {page, context, check} = await openPage(main, {hash: '#schedules'});
  try {
    const item = page.locator(schedule(SCHEDULE));
    await item.locator(byTestId('schedule-run-now')).click();
    const link = page.locator(`${byTestId('schedule-notice')} ${byTestId('run-now-job')}`);
    await link.waitFor();
    const id = (await link.textContent()).trim();
    assert.match(id, new RegExp(`^${SCHEDULE}_\\d{8}_\\d{6}$`));
    shared.scheduleJob = id;
    // The list, refreshed after the action, shows it as the last run.
    await item.locator(`${byTestId('last-run-job')}:text-is("${id}")`).waitFor();
    assert.equal(await item.locator(byTestId('last-run-status')).textContent(), 'launched');
    await link.click();
    await page.locator(`${byTestId('tab-job')}[aria-selected="true"]`).waitFor();
    assert.equal(await page.locator(byTestId('detail-job-id')).textContent(), id);
    await page.locator(`${byTestId('field-status')}:text-is("completed")`).waitFor({timeout: 30000});
    const job = (await api(main, 'GET', '/api/jobs/' + id)).data;
    assert.equal(job.status, 'completed');
    assert.equal(job.config.date, shared.day);
    assert.equal(job.config.workers, 2);
    assert.equal(job.priority, 3);
    assert.equal(job.processed_races, shared.dayRaces.length, 'the template\'s day, predicted again');
    // Back to the schedules: its last runs show the job, completed.
    await page.click(byTestId('tab-schedules'));
    await item.locator(byTestId('schedule-runs-toggle')).click();
    assert.equal(await item.locator(byTestId('schedule-runs-toggle')).getAttribute('aria-expanded'), 'true');
    const run = item.locator(`${byTestId('schedule-run')}[data-job-id="${id}"]`);
    await run.waitFor();
    assert.equal(await run.getAttribute('data-status'), 'launched');
    assert.equal(await run.locator(byTestId('run-reason')).textContent(), 'run now');
    assert.equal(await run.locator(byTestId('run-job')).getAttribute('href'), '#job/' + id);
    await run.locator(`${byTestId('job-status')}:text-is("completed")`).waitFor();
    // A second schedule, paused, for the picture.
    const other = await api(main, 'POST', '/api/schedules', {name: 'e2e-week-before', cron: '30 7 * * mon', time_zone: 'UTC',
      options: {from: '-7', to: 'yesterday', chunk_size: 100}, paused: true});
    assert.equal(other.status, 201, JSON.stringify(other.data));
    await page.click(byTestId('tab-history'));
    await page.click(byTestId('tab-schedules'));
    await page.locator(`${schedule('e2e-week-before')}[data-state="paused"]`).waitFor();
    await shot(page, 'schedules');
    await check();
  } finally {
    await context.close();
  }
});

test('Schedules: pause and resume change its state, edit keeps its template, delete removes it', {timeout: 30000}, async () => {
  const {page, context, check} = await openPage(main, {hash: '#schedules', allowConsole: EXPECTED_400});
  try {
    const item = page.locator(schedule(SCHEDULE));
    await item.locator(byTestId('schedule-pause')).click();
    await page.locator(`${schedule(SCHEDULE)}[data-state="paused"]`).waitFor();
    assert.equal(await item.locator(byTestId('schedule-state')).textContent(), 'paused');
    assert.equal((await api(main, 'GET', '/api/schedules/' + SCHEDULE)).data.paused, true);
    await item.locator(byTestId('schedule-resume')).click();
    await page.locator(`${schedule(SCHEDULE)}[data-state="active"]`).waitFor();
    assert.equal(await item.locator(byTestId('schedule-state')).textContent(), 'active');
    assert.equal((await api(main, 'GET', '/api/schedules/' + SCHEDULE)).data.paused, false);

    // Edit: the form holds the schedule; its name cannot change; the server's refusal shows inline.
    await item.locator(byTestId('schedule-edit')).click();
    const name = page.locator(byTestId('sf-name'));
    assert.equal(await name.inputValue(), SCHEDULE);
    assert.equal(await name.getAttribute('readonly'), '');
    assert.equal(await page.locator(byTestId('sf-date')).inputValue(), shared.day);
    assert.equal(await page.locator(byTestId('sf-again')).isChecked(), true);
    assert.equal(await page.locator(byTestId('sf-grace')).inputValue(), '30');
    assert.equal(await page.locator(byTestId('sf-workers')).inputValue(), '2');
    await page.fill(byTestId('sf-cron'), '0 25 * * *');
    const refused = await api(main, 'POST', '/api/schedules/preview', {cron: '0 25 * * *'});
    await page.click(byTestId('schedule-submit'));
    await page.locator(byTestId('sf-cron-error')).filter({hasText: refused.data.error.message}).waitFor();
    assert.equal(await page.locator(byTestId('sf-cron')).getAttribute('aria-invalid'), 'true');
    assert.equal((await api(main, 'GET', '/api/schedules/' + SCHEDULE)).data.cron, SCHEDULE_CRON, 'nothing was saved');
    await page.fill(byTestId('sf-cron'), '15 21 * * *');
    await page.locator(`${byTestId('cron-preview')}[data-state="ok"][data-cron="15 21 * * *"]`).waitFor();
    await page.click(byTestId('schedule-submit'));
    await item.locator(`${byTestId('schedule-cron')}:text-is("15 21 * * *")`).waitFor();
    const edited = (await api(main, 'GET', '/api/schedules/' + SCHEDULE)).data;
    assert.equal(edited.cron, '15 21 * * *');
    assert.equal(edited.grace_seconds, 1800);
    assert.deepEqual(edited.options, {date: shared.day, all: true, workers: 2, priority: 3, retries: 0});
    assert.match(await item.locator(byTestId('schedule-next')).textContent(), / 21:15 CES?T$/);

    // On a phone, nothing wider than the screen, last runs open.
    await item.locator(byTestId('schedule-runs-toggle')).click();
    await item.locator(byTestId('schedule-run')).first().waitFor();
    await page.setViewportSize(PHONE);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `#schedules is ${width}px wide on a 390px screen`);
    await page.setViewportSize(DESKTOP);

    // Delete: "Keep" keeps it; "Delete" deletes it, and its jobs stay.
    await item.locator(byTestId('schedule-delete')).click();
    await page.locator(byTestId('confirm-no')).click();
    assert.equal((await api(main, 'GET', '/api/schedules/' + SCHEDULE)).status, 200);
    await item.locator(byTestId('schedule-delete')).click();
    await page.locator(byTestId('confirm-yes')).click();
    await item.waitFor({state: 'detached'});
    assert.equal((await api(main, 'GET', '/api/schedules/' + SCHEDULE)).status, 404);
    assert.equal((await api(main, 'GET', '/api/jobs/' + shared.scheduleJob)).status, 200);
    assert.equal(await page.locator(schedule('e2e-week-before')).count(), 1, 'the other schedule stays');
    await check();
  } finally {
    await context.close();
  }
});

test('Phone: every view fits a 390px screen', {timeout: 60000}, async () => {
  const {page, context, check} = await openPage(main, {viewport: PHONE});
  try {
    const views = [
      ['launch', byTestId('launch-button')],
      ['active', byTestId('queue-form')],
      ['history', row(shared.dayJob)],
      ['schedules', byTestId('schedule-new')],
      ['job/' + shared.failJob, byTestId('failed-race')],
      ['predictions/' + shared.day, byTestId('race')],
      ['models', byTestId('model-row')],
    ];
    for (const [hash, ready] of views) {
      await page.evaluate((h) => { location.hash = '#' + h; }, hash);
      await page.locator(ready).first().waitFor();
      if (hash === 'models') {
        await page.locator(byTestId('model-evaluate')).first().click();
        await page.locator(byTestId('calibration-svg')).waitFor({timeout: 60000});
      }
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= PHONE.width, `#${hash} is ${width}px wide on a 390px screen`);
    }
    await check();
  } finally {
    await context.close();
  }
});

test('History: filters, resume, delete after a confirmation, clean up', {timeout: 60000}, async () => {
  const {page, context, check} = await openPage(main, {hash: '#history'});
  try {
    await page.locator(row(shared.dayJob)).waitFor();
    // Filters: by status, and by text in the id.
    await page.selectOption(byTestId('history-status'), 'cancelled');
    const statuses = await page.locator(byTestId('history-row')).evaluateAll((els) => els.map((e) => e.dataset.status));
    assert.ok(statuses.length >= 3 && statuses.every((x) => x === 'cancelled'), statuses.join());
    await page.selectOption(byTestId('history-status'), '');
    await page.fill(byTestId('history-filter'), 'e2e_queue');
    assert.deepEqual((await page.locator(byTestId('history-row')).evaluateAll((els) => els.map((e) => e.dataset.jobId))).sort(),
      ['e2e_queue_running', 'e2e_queue_waiting']);
    // Resume the job cancelled before it started: it runs, from its beginning, and completes.
    await page.locator(`${row('e2e_queue_waiting')} ${byTestId('action-resume')}`).click();
    await page.locator(`${row('e2e_queue_waiting')}[data-status="completed"]`).waitFor({timeout: 30000});
    // Delete: "Keep" keeps it, "Delete" deletes it and its row goes.
    await page.locator(`${row('e2e_queue_running')} ${byTestId('action-delete')}`).click();
    await page.locator(byTestId('confirm-no')).click();
    assert.equal((await api(main, 'GET', '/api/jobs/e2e_queue_running')).status, 200);
    await page.locator(`${row('e2e_queue_running')} ${byTestId('action-delete')}`).click();
    await page.locator(byTestId('confirm-yes')).click();
    await page.locator(row('e2e_queue_running')).waitFor({state: 'detached'});
    assert.equal((await api(main, 'GET', '/api/jobs/e2e_queue_running')).status, 404);
    // Clean up jobs older than a day: none is.
    await page.fill(byTestId('history-filter'), '');
    const before = await page.locator(byTestId('history-row')).count();
    await page.fill(byTestId('cleanup-days'), '1');
    await page.click(byTestId('cleanup-button'));
    await page.locator(byTestId('confirm-yes')).click();
    await page.locator(byTestId('toast')).filter({hasText: 'Deleted 0 finished jobs'}).waitFor();
    assert.equal(await page.locator(byTestId('history-row')).count(), before);
    await check();
  } finally {
    await context.close();
  }
});

test('Launch form: inline validation next to the fields, keyboard tabs', {timeout: 30000}, async () => {
  const {page, context, check} = await openPage(main);
  try {
    await page.fill(byTestId('field-workers'), '0');
    assert.match(await page.locator(byTestId('error-workers')).textContent(), /-1 \(all cores\) or 1 to 256/);
    assert.equal(await page.locator(byTestId('field-workers')).getAttribute('aria-invalid'), 'true');
    await page.fill(byTestId('field-workers'), '0x10');
    assert.match(await page.locator(byTestId('error-workers')).textContent(), /not a whole number/);
    await page.fill(byTestId('field-workers'), '2');
    assert.equal(await page.locator(byTestId('error-workers')).textContent(), '');
    await page.fill(byTestId('field-chunk-size'), '100001');
    assert.match(await page.locator(byTestId('error-chunk-size')).textContent(), /1 to 100000/);
    await page.fill(byTestId('field-chunk-size'), '');
    await page.check(byTestId('mode-date'));
    await page.fill(byTestId('field-date'), '2021-02-30');
    assert.match(await page.locator(byTestId('error-date')).textContent(), /not a real calendar day/);
    await page.check(byTestId('mode-custom'));
    await page.fill(byTestId('field-race-ids'), '12, abc');
    assert.match(await page.locator(byTestId('error-race-ids')).textContent(), /'abc' is not a race id/);
    await page.check(byTestId('mode-range'));
    await page.fill(byTestId('field-from'), '2020-03-05');
    await page.fill(byTestId('field-to'), '2020-03-01');
    assert.match(await page.locator(byTestId('error-to')).textContent(), /before the first day/);
    const jobsBefore = (await api(main, 'GET', '/api/jobs?limit=500')).data.jobs.length;
    await page.click(byTestId('launch-button'));
    assert.match(await page.locator(byTestId('launch-error')).textContent(), /not launched/);
    assert.equal((await api(main, 'GET', '/api/jobs?limit=500')).data.jobs.length, jobsBefore, 'nothing was launched');
    // Tabs: arrow keys move along the tablist.
    await page.focus(byTestId('tab-launch'));
    await page.keyboard.press('ArrowRight');
    await page.locator(`${byTestId('tab-active')}[aria-selected="true"]`).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'tab-active');
    await page.keyboard.press('End');
    await page.locator(`${byTestId('tab-models')}[aria-selected="true"]`).waitFor();
    await page.keyboard.press('Home');
    await page.locator(`${byTestId('tab-launch')}[aria-selected="true"]`).waitFor();
    await check();
  } finally {
    await context.close();
  }
});

test('Polling: without the event stream, the page polls and still shows new jobs', {timeout: 60000}, async () => {
  const {page, context, check} = await (async () => {
    const ctx = await browser.newContext({viewport: DESKTOP});
    await ctx.route('**/api/events*', (route) => route.abort());
    const p = await ctx.newPage();
    const problems = [];
    p.on('pageerror', (err) => problems.push(err.message));
    await p.goto(main.base + '/#history');
    await p.evaluate(() => { window.__e2eMarker = 'not reloaded'; });
    return {page: p, context: ctx, check: async () => {
      assert.deepEqual(problems, []);
      assert.equal(await p.evaluate(() => window.__e2eMarker), 'not reloaded');
    }};
  })();
  try {
    await page.locator(`${byTestId('live-indicator')}[data-state="polling"]`).waitFor({timeout: 15000});
    const launched = await api(main, 'POST', '/api/jobs', {date: shared.day, all: true, job_id: 'e2e_polled'});
    assert.equal(launched.status, 201, JSON.stringify(launched.data));
    await page.locator(`${row('e2e_polled')}[data-status="completed"]`).waitFor({timeout: 20000});
    await check();
  } finally {
    await context.close();
  }
});

test('Token: a server started with --token asks for it, then works', {timeout: 60000}, async () => {
  const secured = await startServer(['--token', 'secret']);
  const {page, context, check} = await openPage(secured, {allowConsole: [/401/, /Unauthorized/i, /EventSource/i]});
  try {
    await page.locator(byTestId('token-panel')).waitFor();
    assert.equal((await page.request.get(secured.base + '/api/jobs')).status(), 401);
    assert.equal((await api(secured, 'GET', '/api/jobs')).status, 401);
    assert.equal((await api(secured, 'GET', '/api/jobs', undefined, 'wrong')).status, 401);
    await page.fill(byTestId('token-input'), 'wrong');
    await page.click(byTestId('token-submit'));
    await page.locator(byTestId('token-error')).filter({hasText: 'refused'}).waitFor();
    await page.fill(byTestId('token-input'), 'secret');
    await page.click(byTestId('token-submit'));
    await page.locator(byTestId('token-panel')).waitFor({state: 'hidden'});
    await page.click(byTestId('tab-history'));
    await page.locator(row(shared.dayJob)).waitFor();
    await page.locator(`${byTestId('live-indicator')}[data-state="live"]`).waitFor({timeout: 15000});
    // The CSV link carries the token, as a link cannot send a header.
    await page.locator(`${row(shared.dayJob)} ${byTestId('job-link')}`).click();
    const href = await page.locator(byTestId('export-csv')).getAttribute('href');
    assert.equal(href, `/api/jobs/${shared.dayJob}/predictions.csv?token=secret`);
    const csv = await fetch(secured.base + href);
    assert.equal(csv.status, 200);
    await check();
    // SIGTERM with the page's event stream still open: the server stops cleanly.
    const exit = await stopServer(secured);
    assert.deepEqual(exit, {code: 0, signal: null}, secured.output);
  } finally {
    await context.close();
  }
});

test('The server stops cleanly on SIGTERM', {timeout: 30000}, async () => {
  await browser.close();
  browser = null;
  const exit = await stopServer(main);
  assert.deepEqual(exit, {code: 0, signal: null}, main.output);
});
