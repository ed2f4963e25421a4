// paddock dashboard: one page over the REST API of `paddock serve` (docs/rest-api.md).
// Plain ES2020, no library, nothing loaded from elsewhere. Text that comes from the API is
// always set with textContent (through h() below), never parsed as HTML.
'use strict';

(() => {
  // ---------------------------------------------------------------------------------------
  // Small DOM helpers
  // ---------------------------------------------------------------------------------------
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const SVG_NS = 'http://www.w3.org/2000/svg';

  function setAttrs(el, attrs) {
    if (!attrs) return el;
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.setAttribute('class', value);
      else if (key === 'text') el.textContent = String(value);
      else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
      else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (value === true) el.setAttribute(key, '');
      else el.setAttribute(key, String(value));
    }
    return el;
  }
  function append(el, children) {
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      if (Array.isArray(child)) append(el, child);
      else if (child instanceof Node) el.appendChild(child);
      else el.appendChild(document.createTextNode(String(child)));
    }
    return el;
  }
  // h('td', {class: 'num'}, 'text', otherNode): strings become text nodes, never markup.
  function h(tag, attrs, ...children) { return append(setAttrs(document.createElement(tag), attrs), children); }
  function s(tag, attrs, ...children) { return append(setAttrs(document.createElementNS(SVG_NS, tag), attrs), children); }
  // Replaces an element's children; like h(), it skips null and false and takes arrays.
  function fill(el, ...children) { el.replaceChildren(); return append(el, children); }
  const enc = encodeURIComponent;

  // ---------------------------------------------------------------------------------------
  // Formatting
  // ---------------------------------------------------------------------------------------
  const DASH = '—';
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const intFmt = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0});
  function fmtInt(v) { return isNum(v) ? intFmt.format(v) : DASH; }
  function fmtFixed(v, digits) { return isNum(v) ? v.toFixed(digits) : DASH; }
  function fmtPct(v, digits = 1) { return isNum(v) ? (v * 100).toFixed(digits) + '%' : DASH; }
  function fmtRate(v) {
    if (!isNum(v)) return DASH;
    return (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + ' /s';
  }
  function fmtMB(v) { return isNum(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) + ' MB' : DASH; }
  function fmtDuration(sec) {
    if (!isNum(sec) || sec < 0) return DASH;
    if (sec < 10) return sec.toFixed(1) + ' s';
    if (sec < 60) return Math.round(sec) + ' s';
    const total = Math.round(sec);
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
    return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
  }
  // The API's times are UTC: "YYYY-MM-DD HH:MM:SS" (rest-api.md) or "YYYY-MM-DDTHH:MM:SSZ" (api.md).
  function parseTime(v) {
    if (typeof v !== 'string' || v === '') return null;
    let text = v.trim().replace(' ', 'T');
    if (!/[zZ]|[+-]\d\d:?\d\d$/.test(text.slice(10))) text += 'Z';
    const ms = Date.parse(text);
    return Number.isFinite(ms) ? ms : null;
  }
  function fmtTime(v) {
    const ms = parseTime(v);
    if (ms === null) return DASH;
    return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  }
  // Job times have whole seconds: a job's duration is shown in whole seconds too.
  function fmtJobDuration(sec) {
    if (!isNum(sec) || sec < 0) return DASH;
    if (sec < 1) return '< 1 s';
    return sec < 60 ? Math.round(sec) + ' s' : fmtDuration(sec);
  }
  function jobDurationSec(job) {
    const start = parseTime(job.start_time);
    if (start === null) return null;
    const end = parseTime(job.end_time);
    if (end !== null) return Math.max(0, (end - start) / 1000);
    if (job.status === 'running') return Math.max(0, (Date.now() - start) / 1000);
    return null;
  }
  function successRate(job) {
    return job.processed_races > 0 ? job.successful_races / job.processed_races : null;
  }
  const FINISHED = new Set(['completed', 'failed', 'cancelled']);
  const isActive = (job) => job.status === 'running' || job.status === 'queued';
  const isFinished = (job) => FINISHED.has(job.status);

  // ---------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------
  const TOKEN_KEY = 'paddock.token';
  const S = {
    token: sessionStorage.getItem(TOKEN_KEY) || '',
    needToken: false,
    jobs: new Map(),          // job_id -> job, as the API last gave it
    deleted: new Set(),       // jobs deleted from this page
    streamAt: new Map(),      // job_id -> when the event stream last sent it (performance.now())
    samples: new Map(),       // job_id -> [{t, thr, mem}], gathered from the updates
    seenActive: new Set(),    // jobs seen queued or running since the page was opened
    dismissed: new Set(),     // finished jobs removed from "Finished recently"
    highlight: null,          // the job just launched
    view: 'launch',
    jobId: null,              // the job shown in Job detail
    models: [],
    modelsLoaded: false,
    days: [],
    maxRunning: null,
    es: null,
    esRetry: null,
    poll: null,
    live: 'connecting',
    log: {gen: 0, offset: 0, timer: null, running: false, jobId: null, bytes: 0},
    failedSig: null,
    evalGen: 0,
    dayGen: 0,
    currentDay: null,
  };

  // ---------------------------------------------------------------------------------------
  // API
  // ---------------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }

  function withToken(url) {
    if (!S.token) return url;
    return url + (url.includes('?') ? '&' : '?') + 'token=' + enc(S.token);
  }

  async function api(method, path, body) {
    const headers = {Accept: 'application/json'};
    const token = S.token;
    if (token) headers.Authorization = 'Bearer ' + token;
    const init = {method, headers, cache: 'no-store'};
    if (method !== 'GET') {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body === undefined ? {} : body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (err) {
      throw new ApiError(0, 'network', 'The server cannot be reached.');
    }
    const text = await res.text();
    let data = null;
    if (text) { try { data = JSON.parse(text); } catch (_) { data = null; } }
    if (res.status === 401) {
      // An answer to a request sent with a token since replaced says nothing of the new one.
      if (token === S.token) askForToken();
      throw new ApiError(401, 'unauthenticated', 'This server needs a token.');
    }
    if (!res.ok) {
      const err = data && data.error;
      throw new ApiError(res.status, (err && err.code) || 'http_' + res.status,
        (err && err.message) || `The server answered ${res.status} ${res.statusText}`.trim());
    }
    return data;
  }
  const jobPath = (id) => '/api/jobs/' + enc(id);

  // ---------------------------------------------------------------------------------------
  // Token
  // ---------------------------------------------------------------------------------------
  function askForToken() {
    const panel = $('#token-panel');
    const wasShown = S.needToken;
    S.needToken = true;
    document.body.classList.add('locked');
    stopPolling();
    closeEvents();
    setLive('locked');
    $('#token-error').textContent = S.token ? 'The server refused this token.' : '';
    if (!wasShown) {
      panel.hidden = false;
      $('#token-input').value = '';
      $('#token-input').focus();
    }
  }

  function setupToken() {
    $('#token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const value = $('#token-input').value.trim();
      if (!value) {
        $('#token-error').textContent = 'Enter the token the server was started with.';
        $('#token-input').setAttribute('aria-invalid', 'true');
        return;
      }
      $('#token-input').removeAttribute('aria-invalid');
      S.token = value;
      sessionStorage.setItem(TOKEN_KEY, value);
      S.needToken = false;
      document.body.classList.remove('locked');
      $('#token-panel').hidden = true;
      start();
    });
  }

  // ---------------------------------------------------------------------------------------
  // Live updates: server-sent events, polling while the stream is down
  // ---------------------------------------------------------------------------------------
  const LIVE_TEXT = {connecting: 'Connecting', live: 'Live', polling: 'Polling', offline: 'Offline', locked: 'Token needed'};
  function setLive(state) {
    S.live = state;
    const el = $('#live');
    el.className = 'live live-' + state;
    el.dataset.state = state;
    $('.live-text', el).textContent = LIVE_TEXT[state] || state;
  }

  function closeEvents() {
    if (S.es) { S.es.close(); S.es = null; }
    if (S.esRetry) { clearTimeout(S.esRetry); S.esRetry = null; }
  }

  function connectEvents() {
    closeEvents();
    if (S.needToken) return;
    const es = new EventSource(withToken('/api/events'));
    S.es = es;
    es.addEventListener('open', () => {
      if (S.es !== es) return;
      stopPolling();
      setLive('live');
    });
    es.addEventListener('jobs', (event) => {
      const data = safeJSON(event.data);
      if (data && Array.isArray(data.jobs)) mergeJobs(data.jobs, undefined);
    });
    es.addEventListener('job', (event) => {
      const job = safeJSON(event.data);
      if (job && typeof job.job_id === 'string') upsertJob(job, undefined);
    });
    es.addEventListener('error', () => {
      if (S.es !== es) return;
      startPolling();
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (an HTTP error such as 401): try a new stream later; polling
        // goes on meanwhile, and a 401 there asks for the token.
        es.close();
        S.es = null;
        S.esRetry = setTimeout(() => { S.esRetry = null; connectEvents(); }, 5000);
      }
    });
  }

  function safeJSON(text) { try { return JSON.parse(text); } catch (_) { return null; } }

  function startPolling() {
    if (S.poll || S.needToken) return;
    setLive('polling');
    S.poll = setInterval(pollOnce, 3000);
    pollOnce();
  }
  function stopPolling() {
    if (S.poll) { clearInterval(S.poll); S.poll = null; }
  }
  async function pollOnce() {
    try {
      const since = clock();
      const [recent, active] = await Promise.all([api('GET', '/api/jobs?limit=100'), api('GET', '/api/jobs/active')]);
      if (!S.poll) return;
      mergeJobs(recent.jobs || [], since);
      mergeJobs(active.jobs || [], since);
      setLive('polling');
    } catch (err) {
      if (err.status === 0 && S.poll) setLive('offline');
    }
  }

  // ---------------------------------------------------------------------------------------
  // The jobs store
  // ---------------------------------------------------------------------------------------
  function recordSample(job) {
    if (job.status !== 'running') return;
    const list = S.samples.get(job.job_id) || [];
    const now = Date.now();
    // A value the job has not reported yet (a job still starting) is left out, not drawn as 0.
    const started = job.pid > 0 || job.processed_races > 0;
    const sample = {t: now, thr: started && isNum(job.throughput) ? job.throughput : null, mem: started && isNum(job.memory_mb) && job.memory_mb > 0 ? job.memory_mb : null};
    // At most a point every 250 ms: an update within 250 ms of the last point's time updates
    // that point's values and keeps its time (so that updates coming faster than that, as a
    // fast job's do, still add a point every 250 ms).
    const last = list[list.length - 1];
    if (last && now - last.t < 250) list[list.length - 1] = {...sample, t: last.t};
    else list.push(sample);
    if (list.length > 600) list.splice(0, list.length - 600);
    S.samples.set(job.job_id, list);
  }

  // Where a job's state comes from. The event stream sends the changes of a job in order, so
  // its latest event is the latest state it has seen. A fetched job (a GET, or the answer of a
  // POST) is the state at some moment after its request was sent: it is used unless the stream
  // spoke of that job since the request was sent. Then the stream's state is kept, and if the
  // fetched one was newer, the stream brings it within a second anyway. Without this, a late
  // answer would put back a state the job has left: a small job shown running after the
  // stream said it completed, with no further event to correct it.
  const clock = () => performance.now();
  function fetchedIsStale(id, since) { return since !== undefined && (S.streamAt.get(id) ?? -Infinity) >= since; }

  // since: when the request that brought the job was sent; undefined for the event stream.
  function upsertJob(job, since, {render = true} = {}) {
    if (!job || typeof job.job_id !== 'string') return;
    if (fetchedIsStale(job.job_id, since)) return;
    // A late answer does not bring back a job deleted here; the stream may (an id used again).
    if (since !== undefined && S.deleted.has(job.job_id)) return;
    if (since === undefined) { S.streamAt.set(job.job_id, clock()); S.deleted.delete(job.job_id); }
    const prev = S.jobs.get(job.job_id);
    // A job that ends changes what a launch would select: count again.
    if (prev && isActive(prev) && isFinished(job) && S.view === 'launch') schedulePreview();
    S.jobs.set(job.job_id, job);
    if (isActive(job)) S.seenActive.add(job.job_id);
    recordSample(job);
    if (render) scheduleRender();
  }
  function mergeJobs(list, since) {
    for (const job of list) upsertJob(job, since, {render: false});
    scheduleRender();
  }
  // A full list (the History's): a job missing from it was deleted, or is older than the list.
  function replaceJobs(list, since) {
    const listed = new Set(list.map((job) => job.job_id));
    for (const [id, job] of S.jobs) {
      if (!listed.has(id) && !isActive(job) && !fetchedIsStale(id, since)) S.jobs.delete(id);
    }
    mergeJobs(list, since);
  }
  function removeJob(id) {
    S.deleted.add(id);
    S.jobs.delete(id);
    S.streamAt.delete(id);
    S.samples.delete(id);
    scheduleRender();
  }

  let renderPending = false;
  function scheduleRender() {
    if (renderPending) return;
    renderPending = true;
    setTimeout(() => {
      renderPending = false;
      renderActive();
      renderHistory();
      renderJobDetail();
      if (S.view === 'schedules') renderScheduleList();
    }, 30);
  }

  // Keeps a container's children in the order of items, one element per key, made once by
  // create() and brought up to date by update(): views change in place, focus stays put.
  function syncKeyed(container, items, keyOf, create, update) {
    const existing = new Map();
    for (const el of Array.from(container.children)) existing.set(el.dataset.key, el);
    let index = 0;
    for (const item of items) {
      const key = keyOf(item);
      let el = existing.get(key);
      if (el) existing.delete(key);
      else { el = create(item); el.dataset.key = key; }
      update(el, item);
      const at = container.children[index];
      if (at !== el) container.insertBefore(el, at || null);
      index++;
    }
    for (const el of existing.values()) el.remove();
  }

  function sortByCreatedDesc(a, b) {
    const ta = parseTime(a.created_at) ?? parseTime(a.start_time) ?? 0;
    const tb = parseTime(b.created_at) ?? parseTime(b.start_time) ?? 0;
    return tb - ta || (a.job_id < b.job_id ? 1 : -1);
  }

  // Running jobs first, then the queue in the order it starts (highest priority, then oldest).
  function activeJobsInOrder() {
    const running = [];
    const queued = [];
    for (const job of S.jobs.values()) {
      if (job.status === 'running') running.push(job);
      else if (job.status === 'queued') queued.push(job);
    }
    running.sort((a, b) => (parseTime(a.start_time) ?? 0) - (parseTime(b.start_time) ?? 0));
    queued.sort((a, b) => {
      const pa = isNum(a.queue_position) ? a.queue_position : Infinity;
      const pb = isNum(b.queue_position) ? b.queue_position : Infinity;
      if (pa !== pb) return pa - pb;
      if ((b.priority || 0) !== (a.priority || 0)) return (b.priority || 0) - (a.priority || 0);
      return (parseTime(a.created_at) ?? 0) - (parseTime(b.created_at) ?? 0);
    });
    return {running, queued};
  }

  // ---------------------------------------------------------------------------------------
  // Toasts and the confirm dialog
  // ---------------------------------------------------------------------------------------
  function toast(message, {kind = 'info', link = null} = {}) {
    const el = h('div', {class: 'toast toast-' + kind, 'data-testid': 'toast', 'data-kind': kind, role: kind === 'error' ? 'alert' : null},
      h('span', null, message),
      link ? h('a', {href: link.href}, link.text) : null,
      h('button', {type: 'button', class: 'toast-close', 'aria-label': 'Dismiss', onclick: () => el.remove()}, '×'));
    $('#toasts').appendChild(el);
    setTimeout(() => el.remove(), kind === 'error' ? 12000 : 7000);
  }

  function confirmDialog(title, text, okLabel) {
    const dialog = $('#confirm-dialog');
    $('#confirm-title').textContent = title;
    $('#confirm-text').textContent = text;
    $('[data-testid="confirm-yes"]', dialog).textContent = okLabel;
    return new Promise((resolve) => {
      dialog.returnValue = '';
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), {once: true});
      dialog.showModal();
      $('[data-testid="confirm-no"]', dialog).focus();
    });
  }

  // ---------------------------------------------------------------------------------------
  // Job actions, shared by Active jobs, History and Job detail
  // ---------------------------------------------------------------------------------------
  async function runAction(button, fn) {
    if (button) button.disabled = true;
    try { return await fn(); }
    catch (err) { if (err.status !== 401) toast(err.message, {kind: 'error'}); return null; }
    finally { if (button && button.isConnected) button.disabled = false; }
  }

  function cancelJob(id, button) {
    return runAction(button, async () => {
      const since = clock();
      const job = await api('POST', jobPath(id) + '/cancel', {});
      upsertJob(job, since);
      toast(job.status === 'cancelled' ? `Job ${id} cancelled.` : `Cancel requested: job ${id} stops after the chunks in hand.`);
    });
  }
  function resumeJob(id, button) {
    return runAction(button, async () => {
      const since = clock();
      const job = await api('POST', jobPath(id) + '/resume', {});
      upsertJob(job, since);
      S.dismissed.delete(id);
      toast(`Job ${id} queued to resume.`, {link: {href: '#active', text: 'Active jobs'}});
    });
  }
  function retryJob(id, button) {
    return runAction(button, async () => {
      const since = clock();
      const answer = await api('POST', jobPath(id) + '/retry', {});
      upsertJob(answer.job, since);
      toast(`Retry of the failed races of ${id}: job ${answer.job_id}.`, {link: {href: '#job/' + enc(answer.job_id), text: 'Open'}});
      return answer;
    });
  }
  async function deleteJob(id, button) {
    const ok = await confirmDialog('Delete this job?', `Job ${id}, its race list and its log will be deleted. Its predictions stay.`, 'Delete');
    if (!ok) return false;
    const done = await runAction(button, async () => {
      await api('DELETE', jobPath(id), {});
      removeJob(id);
      toast(`Job ${id} deleted.`);
      return true;
    });
    if (done && S.view === 'job' && S.jobId === id) go('history');
    return !!done;
  }
  function setPriority(id, value, button) {
    return runAction(button, async () => {
      const since = clock();
      const job = await api('POST', jobPath(id) + '/priority', {priority: value});
      upsertJob(job, since);
      refreshActive();
    });
  }

  function actionButtons(job, {compact = false} = {}) {
    const id = job.job_id;
    const buttons = [];
    const cls = compact ? 'btn btn-sm' : 'btn';
    if (isActive(job)) {
      buttons.push(h('button', {type: 'button', class: cls + ' btn-danger-outline', 'data-testid': 'action-cancel',
        disabled: !!job.cancel_requested, onclick: (e) => cancelJob(id, e.currentTarget)},
      job.cancel_requested ? 'Cancel requested' : 'Cancel'));
    }
    if (job.status === 'failed' || job.status === 'cancelled') {
      buttons.push(h('button', {type: 'button', class: cls, 'data-testid': 'action-resume', onclick: (e) => resumeJob(id, e.currentTarget)}, 'Resume'));
    }
    if (isFinished(job) && job.failed_races > 0) {
      buttons.push(h('button', {type: 'button', class: cls, 'data-testid': 'action-retry', onclick: (e) => retryJob(id, e.currentTarget)}, 'Retry failed'));
    }
    if (job.status !== 'running') {
      buttons.push(h('button', {type: 'button', class: cls + ' btn-danger-outline', 'data-testid': 'action-delete', onclick: (e) => deleteJob(id, e.currentTarget)}, 'Delete'));
    }
    return buttons;
  }
  const actionSig = (job) => [job.status, job.failed_races > 0, !!job.cancel_requested].join('|');

  function statusBadge(job) {
    const text = job.status === 'running' && job.cancel_requested ? 'stopping' : job.status;
    return h('span', {class: 'badge status-' + job.status, 'data-testid': 'job-status'}, text);
  }

  // ---------------------------------------------------------------------------------------
  // Active jobs
  // ---------------------------------------------------------------------------------------
  function progressBar(label) {
    const fill = h('div', {class: 'progress-fill'});
    const text = h('span', {class: 'progress-text'});
    return h('div', {class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0,
      'aria-label': label, 'data-testid': 'job-progress'}, fill, text);
  }
  function updateProgress(bar, job) {
    const pct = Math.max(0, Math.min(100, isNum(job.progress) ? job.progress : 0));
    bar.setAttribute('aria-valuenow', String(pct));
    bar.setAttribute('aria-valuetext', `${pct}%, ${fmtInt(job.processed_races)} of ${fmtInt(job.total_races)} races`);
    bar.dataset.status = job.status;
    bar.firstChild.style.width = pct + '%';
    bar.lastChild.textContent = pct + '%';
  }

  function stat(label, testid) {
    const value = h('dd', {'data-testid': testid});
    return {el: h('div', {class: 'stat'}, h('dt', null, label), value), value};
  }

  function createJobCard(job) {
    const id = job.job_id;
    const stats = {
      processed: stat('Processed', 'stat-processed'),
      successful: stat('Successful', 'stat-successful'),
      failed: stat('Failed', 'stat-failed'),
      throughput: stat('Throughput', 'stat-throughput'),
      eta: stat('ETA', 'stat-eta'),
      memory: stat('Memory', 'stat-memory'),
      peak: stat('Peak memory', 'stat-peak-memory'),
      elapsed: stat('Elapsed', 'stat-elapsed'),
    };
    const card = h('article', {class: 'job-card card', 'data-testid': 'job-card', 'data-job-id': id, 'aria-label': 'Job ' + id},
      h('div', {class: 'job-card-head'},
        h('h3', {class: 'job-card-title'}, h('a', {href: '#job/' + enc(id), class: 'job-link', 'data-testid': 'job-link'}, id)),
        h('span', {class: 'job-badges'}),
        h('span', {class: 'job-card-actions'})),
      h('p', {class: 'job-message muted', 'data-testid': 'job-message'}),
      progressBar('Progress of job ' + id),
      h('dl', {class: 'stats'}, Object.values(stats).map((x) => x.el)),
      h('figure', {class: 'spark'},
        s('svg', {class: 'spark-svg', viewBox: '0 0 320 84', role: 'img', 'aria-label': 'Throughput and memory of job ' + id + ' over time', 'data-testid': 'job-chart', preserveAspectRatio: 'none'}),
        h('figcaption', {class: 'spark-legend'},
          h('span', {class: 'key key-thr'}, 'Throughput'), h('span', {class: 'spark-thr', 'data-testid': 'chart-throughput'}),
          h('span', {class: 'key key-mem'}, 'Memory'), h('span', {class: 'spark-mem', 'data-testid': 'chart-memory'}),
          h('span', {class: 'spark-span muted'}))));
    card._stats = stats;
    return card;
  }

  // A queued job's place in the queue: its priority, higher first.
  function priorityForm(job) {
    const inputId = 'prio-' + job.job_id.replace(/[^A-Za-z0-9_-]/g, '_');
    const input = h('input', {id: inputId, type: 'text', class: 'input-tiny', value: String(job.priority ?? 0), autocomplete: 'off', 'data-testid': 'priority-input'});
    const form = h('form', {class: 'prio-form', novalidate: true},
      h('label', {for: inputId, class: 'small'}, 'Priority'), input,
      h('button', {type: 'submit', class: 'btn btn-sm', 'data-testid': 'priority-set'}, 'Set'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const r = parseInteger(input.value, -1000, 1000, 'Priority must be -1000 to 1000');
      if (r.error || r.value === undefined) {
        input.setAttribute('aria-invalid', 'true');
        toast(r.error || 'Priority must be -1000 to 1000', {kind: 'error'});
        return;
      }
      input.removeAttribute('aria-invalid');
      setPriority(job.job_id, r.value, event.submitter);
    });
    return form;
  }

  function updateJobCard(card, job) {
    const st = card._stats;
    card.dataset.status = job.status;
    card.classList.toggle('highlight', S.highlight === job.job_id);
    if (S.highlight === job.job_id) card.setAttribute('data-highlighted', 'true'); else card.removeAttribute('data-highlighted');
    const badges = $('.job-badges', card);
    const queue = job.status === 'queued' ? card._queuePos : null;
    const badgeSig = [job.status, job.cancel_requested, queue, job.retry_of].join('|');
    if (badges.dataset.sig !== badgeSig) {
      badges.dataset.sig = badgeSig;
      fill(badges, statusBadge(job),
        queue ? h('span', {class: 'badge badge-queue', 'data-testid': 'queue-position'}, `#${queue} in queue`) : null,
        job.retry_of ? h('span', {class: 'muted small'}, 'retry of ', h('a', {href: '#job/' + enc(job.retry_of)}, job.retry_of)) : null);
    }
    const actions = $('.job-card-actions', card);
    const sig = actionSig(job) + (isActive(job) ? '' : '|done') + (job.status === 'queued' ? '|p' + job.priority : '');
    if (actions.dataset.sig !== sig) {
      actions.dataset.sig = sig;
      if (isActive(job)) {
        fill(actions, job.status === 'queued' ? priorityForm(job) : null,
          ...actionButtons(job, {compact: true}).filter((b) => b.dataset.testid === 'action-cancel'));
      }
      else fill(actions, h('button', {type: 'button', class: 'btn btn-sm', 'data-testid': 'action-dismiss',
        onclick: () => { S.dismissed.add(job.job_id); renderActive(); }}, 'Dismiss'));
    }
    const extra = [];
    if (isNum(job.model_id)) extra.push('model ' + job.model_id);
    extra.push('priority ' + (job.priority ?? 0));
    if (job.attempt > 1) extra.push('attempt ' + job.attempt);
    $('.job-message', card).textContent = (job.message || '') + (extra.length ? '  ·  ' + extra.join(' · ') : '');
    updateProgress($('.progress', card), job);
    st.processed.value.textContent = job.total_races > 0 || job.status !== 'queued'
      ? `${fmtInt(job.processed_races)} / ${fmtInt(job.total_races)}` : DASH;
    st.successful.value.textContent = fmtInt(job.successful_races);
    st.failed.value.textContent = fmtInt(job.failed_races);
    st.failed.value.classList.toggle('bad', job.failed_races > 0);
    st.throughput.value.textContent = job.status === 'queued' ? DASH : fmtRate(job.throughput);
    st.eta.value.textContent = job.status === 'running' ? fmtDuration(job.eta_seconds) : DASH;
    st.memory.value.textContent = job.status === 'queued' ? DASH : fmtMB(job.memory_mb);
    st.peak.value.textContent = job.status === 'queued' ? DASH : fmtMB(job.peak_memory_mb);
    st.elapsed.value.textContent = fmtJobDuration(jobDurationSec(job));
    drawSpark(card, S.samples.get(job.job_id) || []);
  }

  function drawSpark(card, samples) {
    const svgEl = $('.spark-svg', card);
    const fig = $('.spark', card);
    const W = 320, H = 84, PAD = 4;
    if (samples.length === 0) {
      fig.hidden = true;
      return;
    }
    fig.hidden = false;
    const t0 = samples[0].t;
    const t1 = Math.max(samples[samples.length - 1].t, t0 + 1000);
    const maxThr = Math.max(1e-9, ...samples.map((x) => x.thr ?? 0));
    const maxMem = Math.max(1e-9, ...samples.map((x) => x.mem ?? 0));
    const px = (t) => PAD + ((t - t0) / (t1 - t0)) * (W - 2 * PAD);
    // Each line on its own scale from 0, its maximum at 85% of the height.
    const py = (v, max) => H - PAD - (v / (max / 0.85)) * (H - 2 * PAD);
    const pts = (key, max) => {
      const known = samples.filter((x) => x[key] !== null);
      if (known.length === 0) return '';
      if (known.length === 1) return `${PAD},${py(known[0][key], max).toFixed(1)} ${W - PAD},${py(known[0][key], max).toFixed(1)}`;
      return known.map((x) => `${px(x.t).toFixed(1)},${py(x[key], max).toFixed(1)}`).join(' ');
    };
    fill(svgEl, 
      s('line', {x1: 0, y1: H - PAD, x2: W, y2: H - PAD, class: 'spark-axis', 'vector-effect': 'non-scaling-stroke'}),
      s('line', {x1: 0, y1: PAD, x2: W, y2: PAD, class: 'spark-grid', 'vector-effect': 'non-scaling-stroke'}),
      s('polyline', {points: pts('mem', maxMem), class: 'spark-line spark-line-mem', 'vector-effect': 'non-scaling-stroke', 'data-testid': 'chart-line-memory'}),
      s('polyline', {points: pts('thr', maxThr), class: 'spark-line spark-line-thr', 'vector-effect': 'non-scaling-stroke', 'data-testid': 'chart-line-throughput'}));
    svgEl.dataset.samples = String(samples.length);
    const lastOf = (key) => { for (let i = samples.length - 1; i >= 0; i--) if (samples[i][key] !== null) return samples[i][key]; return null; };
    const lastThr = lastOf('thr');
    const lastMem = lastOf('mem');
    $('.spark-thr', card).textContent = lastThr === null ? DASH : `${fmtRate(lastThr)} (max ${fmtRate(maxThr)})`;
    $('.spark-mem', card).textContent = lastMem === null ? DASH : `${fmtMB(lastMem)} (max ${fmtMB(maxMem)})`;
    $('.spark-span', card).textContent = `over ${fmtDuration((t1 - t0) / 1000)}`;
  }

  function renderActive() {
    const {running, queued} = activeJobsInOrder();
    queued.forEach((job, i) => { job._pos = i + 1; });
    const recent = [];
    for (const id of S.seenActive) {
      const job = S.jobs.get(id);
      if (job && isFinished(job) && !S.dismissed.has(id)) recent.push(job);
    }
    recent.sort((a, b) => (parseTime(b.end_time) ?? 0) - (parseTime(a.end_time) ?? 0));
    const finished = recent.slice(0, 6);
    const list = [...running, ...queued];
    const count = $('#active-count');
    count.textContent = list.length ? String(list.length) : '';
    $('#active-empty').hidden = list.length > 0;
    const container = $('#active-list');
    // The finished jobs of this visit stay below, under a heading, until dismissed.
    const HEADING = {heading: true};
    const all = finished.length ? [...list, HEADING, ...finished] : list;
    syncKeyed(container, all, (item) => (item === HEADING ? '\u0000finished' : item.job_id),
      (item) => (item === HEADING ? h('h3', {class: 'section-title', 'data-testid': 'finished-heading'}, 'Finished recently') : createJobCard(item)),
      (el, item) => {
        if (item === HEADING) return;
        el._queuePos = item.status === 'queued' ? item._pos : null;
        updateJobCard(el, item);
      });
    if (S.highlight && S.view === 'active' && !S.highlightShown) {
      const card = container.querySelector(`[data-key="${CSS.escape(S.highlight)}"]`);
      if (card) { S.highlightShown = true; card.scrollIntoView({block: 'nearest'}); }
    }
    $('#queue-summary').textContent = `${running.length} running, ${queued.length} queued` + (S.maxRunning ? ` · at most ${S.maxRunning} at once` : '');
  }

  async function refreshActive() {
    try {
      const since = clock();
      const [active, queue] = await Promise.all([api('GET', '/api/jobs/active'), api('GET', '/api/queue')]);
      mergeJobs(active.jobs || [], since);
      applyQueue(queue);
    } catch (err) {
      if (err.status !== 401) toast(err.message, {kind: 'error'});
    }
  }
  function applyQueue(queue) {
    if (!queue || !isNum(queue.max_running)) return;
    S.maxRunning = queue.max_running;
    const input = $('#queue-max');
    if (document.activeElement !== input) input.value = String(queue.max_running);
    renderActive();
  }

  function setupQueueForm() {
    $('#queue-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const input = $('#queue-max');
      const result = parseInteger(input.value, 1, 64, 'Jobs at once must be an integer from 1 to 64');
      const error = $('#queue-error');
      if (result.error || result.value === undefined) {
        error.textContent = result.error || 'Jobs at once must be an integer from 1 to 64';
        input.setAttribute('aria-invalid', 'true');
        return;
      }
      input.removeAttribute('aria-invalid');
      error.textContent = '';
      await runAction(event.submitter, async () => {
        const queue = await api('POST', '/api/queue', {max_running: result.value});
        input.blur();
        applyQueue(queue);
        toast(`At most ${queue.max_running} jobs run at once.`);
      });
    });
  }

  // ---------------------------------------------------------------------------------------
  // History
  // ---------------------------------------------------------------------------------------
  function historyRow() {
    const cells = {
      job: h('td', {class: 'cell-job', 'data-label': 'Job'}),
      status: h('td', {'data-label': 'Status'}),
      races: h('td', {class: 'num', 'data-label': 'Races', 'data-testid': 'cell-races'}),
      success: h('td', {class: 'num', 'data-label': 'Success', 'data-testid': 'cell-success'}),
      duration: h('td', {class: 'num', 'data-label': 'Duration', 'data-testid': 'cell-duration'}),
      throughput: h('td', {class: 'num', 'data-label': 'Throughput', 'data-testid': 'cell-throughput'}),
      created: h('td', {class: 'nowrap', 'data-label': 'Created', 'data-testid': 'cell-created'}),
      actions: h('td', {class: 'cell-actions'}),
    };
    const row = h('tr', {'data-testid': 'history-row'}, Object.values(cells));
    row._cells = cells;
    return row;
  }
  function updateHistoryRow(row, job) {
    const c = row._cells;
    row.dataset.jobId = job.job_id;
    row.dataset.status = job.status;
    const jobSig = [job.job_id, job.retry_of].join('|');
    if (c.job.dataset.sig !== jobSig) {
      c.job.dataset.sig = jobSig;
      fill(c.job, h('a', {href: '#job/' + enc(job.job_id), class: 'job-link', 'data-testid': 'job-link'}, job.job_id),
        job.retry_of ? h('div', {class: 'small muted', 'data-testid': 'retry-of'}, 'retry of ', h('a', {href: '#job/' + enc(job.retry_of)}, job.retry_of)) : null);
    }
    const statusSig = job.status + '|' + (job.cancel_requested ? 1 : 0);
    if (c.status.dataset.sig !== statusSig) { c.status.dataset.sig = statusSig; fill(c.status, statusBadge(job)); }
    c.status.title = job.error || job.message || '';
    c.races.textContent = `${fmtInt(job.processed_races)} / ${fmtInt(job.total_races)}`;
    if (job.failed_races > 0) c.races.append(h('span', {class: 'bad small'}, ` (${fmtInt(job.failed_races)} failed)`));
    c.success.textContent = fmtPct(successRate(job));
    c.duration.textContent = fmtJobDuration(jobDurationSec(job));
    c.throughput.textContent = job.status === 'queued' || !job.start_time ? DASH : fmtRate(job.throughput);
    c.created.textContent = fmtTime(job.created_at || job.start_time);
    const sig = actionSig(job);
    if (c.actions.dataset.sig !== sig) {
      c.actions.dataset.sig = sig;
      fill(c.actions, h('div', {class: 'btn-group'}, actionButtons(job, {compact: true})));
    }
  }
  function renderHistory() {
    const status = $('#history-status').value;
    const text = $('#history-filter').value.trim().toLowerCase();
    const rows = Array.from(S.jobs.values())
      .filter((job) => (!status || job.status === status) && (!text || job.job_id.toLowerCase().includes(text)))
      .sort(sortByCreatedDesc);
    syncKeyed($('#history-body'), rows, (job) => job.job_id, historyRow, updateHistoryRow);
    $('#history-empty').hidden = rows.length > 0;
  }
  async function loadHistory() {
    try {
      const since = clock();
      const [list, active] = await Promise.all([api('GET', '/api/jobs?limit=200'), api('GET', '/api/jobs/active')]);
      const listed = new Set((list.jobs || []).map((j) => j.job_id));
      replaceJobs([...(list.jobs || []), ...(active.jobs || []).filter((j) => !listed.has(j.job_id))], since);
    } catch (err) {
      if (err.status !== 401) toast(err.message, {kind: 'error'});
    }
  }
  function setupHistory() {
    $('#history-status').addEventListener('change', renderHistory);
    $('#history-filter').addEventListener('input', renderHistory);
    $('#cleanup-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const input = $('#cleanup-days');
      const result = parseInteger(input.value, 0, 36500, 'Days must be an integer from 0 to 36500');
      const error = $('#cleanup-error');
      if (result.error || result.value === undefined) {
        error.textContent = result.error || 'Days must be an integer from 0 to 36500';
        input.setAttribute('aria-invalid', 'true');
        return;
      }
      input.removeAttribute('aria-invalid');
      error.textContent = '';
      const days = result.value;
      const ok = await confirmDialog('Clean up old jobs?',
        days === 0 ? 'Every finished job (completed, failed or cancelled) will be deleted, with its log.'
          : `Every finished job that ended at least ${days} days ago will be deleted, with its log.`, 'Clean up');
      if (!ok) return;
      await runAction(event.submitter, async () => {
        const answer = await api('POST', '/api/jobs/cleanup', {older_than_days: days});
        toast(`Deleted ${fmtInt(answer.deleted)} finished jobs.`);
        await loadHistory();
      });
    });
  }

  // ---------------------------------------------------------------------------------------
  // Job detail
  // ---------------------------------------------------------------------------------------
  const CONFIG_LABELS = {
    date: 'Day', from: 'From', to: 'To', race_ids: 'Race ids', all: 'Include predicted races',
    force_reprediction: 'Force reprediction', limit: 'At most (races)', workers: 'Workers',
    chunk_size: 'Chunk size', max_memory_mb: 'Memory limit', retries: 'Retries', model_id: 'Model',
    priority: 'Priority', job_id: 'Job id', log_dir: 'Log directory',
  };
  function configValue(key, value) {
    if (value === null || value === undefined || value === '') {
      if (key === 'model_id') return 'the active model';
      if (key === 'limit') return 'no limit';
      if (key === 'log_dir') return 'default (logs/ beside the database)';
      return DASH;
    }
    if (typeof value === 'boolean') return value ? 'yes' : 'no';
    if (key === 'workers' && value === -1) return '-1 (every core)';
    if (key === 'max_memory_mb') return fmtInt(value) + ' MB';
    if (Array.isArray(value)) return value.length ? `${value.length}: ${value.join(', ')}` : DASH;
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }
  function jobConfig(job) {
    let config = job.config;
    if (typeof config === 'string') config = safeJSON(config);
    return config && typeof config === 'object' ? config : null;
  }

  function detailField(label, value, testid) {
    return [h('dt', null, label), h('dd', {'data-testid': testid}, value)];
  }

  function openJob(id) {
    if (!id) { go('history'); return; }
    const changed = S.jobId !== id;
    S.jobId = id;
    const tab = $('#tab-job');
    tab.hidden = false;
    tab.textContent = 'Job ' + (id.length > 26 ? id.slice(0, 25) + '…' : id);
    tab.title = 'Job ' + id;
    if (changed || !$('#job-detail').firstChild) buildJobDetail(id);
    loadJob(id);
  }

  function buildJobDetail(id) {
    stopLog();
    S.failedSig = null;
    const csvHref = withToken(jobPath(id) + '/predictions.csv');
    const root = h('div', {class: 'job-detail', 'data-job-id': id},
      h('div', {class: 'panel-head'},
        h('h2', {class: 'detail-title'}, 'Job ', h('span', {class: 'mono', 'data-testid': 'detail-job-id'}, id), ' ', h('span', {id: 'detail-badge'})),
        h('div', {class: 'btn-group', id: 'detail-actions', 'data-testid': 'detail-actions'},
          h('a', {class: 'btn', href: csvHref, download: `${id}.csv`, 'data-testid': 'export-csv'}, 'Export CSV'))),
      h('p', {class: 'detail-message', id: 'detail-message', 'data-testid': 'detail-message'}),
      h('p', {class: 'form-error', id: 'detail-error', 'data-testid': 'detail-error', hidden: true}),
      h('div', {class: 'progress-wrap'}, progressBar('Progress of job ' + id)),
      h('div', {class: 'detail-grid'},
        h('section', {class: 'card'}, h('h3', {class: 'card-title'}, 'Status'), h('dl', {class: 'kv kv-wide', id: 'detail-fields', 'data-testid': 'detail-fields'})),
        h('section', {class: 'card'}, h('h3', {class: 'card-title'}, 'Options'), h('dl', {class: 'kv', id: 'detail-config', 'data-testid': 'detail-config'}),
          h('div', {id: 'detail-retries', 'data-testid': 'detail-retries'}))),
      h('section', {class: 'card'},
        h('div', {class: 'card-head'}, h('h3', {class: 'card-title'}, 'Log'),
          h('span', {class: 'muted small', id: 'log-state', 'data-testid': 'log-state'}),
          h('label', {class: 'check small'}, h('input', {type: 'checkbox', id: 'log-follow', checked: true}), ' Follow')),
        h('pre', {class: 'log', id: 'job-log', tabindex: 0, 'aria-label': 'Log of job ' + id, 'data-testid': 'job-log'})),
      h('section', {class: 'card', id: 'failed-section'},
        h('h3', {class: 'card-title'}, 'Failed races ', h('span', {class: 'muted', id: 'failed-count'})),
        h('div', {id: 'failed-races', 'data-testid': 'failed-races'}, h('p', {class: 'muted'}, 'Loading…'))),
      h('section', {class: 'card', id: 'notify-section', hidden: true},
        h('h3', {class: 'card-title'}, 'Notifications'),
        h('div', {id: 'job-notifications', 'data-testid': 'job-notifications'})));
    fill($('#job-detail'), root);
  }

  async function loadJob(id) {
    try {
      const since = clock();
      const job = await api('GET', jobPath(id));
      if (S.jobId !== id) return;
      upsertJob(job, since);
      renderJobDetail();
      startLog(id);
      loadFailedRaces(id);
    } catch (err) {
      if (S.jobId !== id) return;
      if (err.status === 401) return;
      const box = $('#detail-error');
      if (box) { box.hidden = false; box.textContent = err.status === 404 ? `There is no job ${id} (deleted?).` : err.message; }
    }
  }

  function renderJobDetail() {
    const id = S.jobId;
    if (!id) return;
    const root = $('#job-detail .job-detail');
    if (!root || root.dataset.jobId !== id) return;
    const job = S.jobs.get(id);
    if (!job) return;
    const badge = $('#detail-badge');
    const bsig = job.status + (job.cancel_requested ? '!' : '');
    if (badge.dataset.sig !== bsig) { badge.dataset.sig = bsig; fill(badge, statusBadge(job)); }
    $('#detail-message').textContent = job.message || '';
    const errorBox = $('#detail-error');
    errorBox.hidden = !job.error;
    errorBox.textContent = job.error ? 'Error: ' + job.error : '';
    updateProgress($('.progress', root), job);

    const actions = $('#detail-actions');
    const sig = actionSig(job);
    if (actions.dataset.sig !== sig) {
      actions.dataset.sig = sig;
      const csv = $('[data-testid="export-csv"]', actions);
      fill(actions, ...actionButtons(job), csv);
    }

    const queue = job.status === 'queued' ? activeJobsInOrder().queued.findIndex((j) => j.job_id === id) + 1 : 0;
    const fields = [
      detailField('Status', job.status + (job.cancel_requested && job.status === 'running' ? ' (cancel requested: stops after the chunks in hand)' : '') + (queue ? ` (#${queue} in the queue)` : ''), 'field-status'),
      detailField('Progress', `${job.progress ?? 0}%`, 'field-progress'),
      detailField('Races', `${fmtInt(job.processed_races)} processed of ${fmtInt(job.total_races)}`, 'field-races'),
      detailField('Successful', fmtInt(job.successful_races), 'field-successful'),
      detailField('Failed', fmtInt(job.failed_races), 'field-failed'),
      detailField('Success rate', fmtPct(successRate(job)), 'field-success-rate'),
      detailField('Created', fmtTime(job.created_at), 'field-created'),
      detailField('Started', fmtTime(job.start_time), 'field-started'),
      detailField('Ended', fmtTime(job.end_time), 'field-ended'),
      detailField('Duration', fmtJobDuration(jobDurationSec(job)), 'field-duration'),
      detailField('Throughput', job.start_time ? fmtRate(job.throughput) : DASH, 'field-throughput'),
      detailField('ETA', job.status === 'running' ? fmtDuration(job.eta_seconds) : DASH, 'field-eta'),
      detailField('Memory', `${fmtMB(job.memory_mb)} (peak ${fmtMB(job.peak_memory_mb)})`, 'field-memory'),
      detailField('Model', isNum(job.model_id) ? String(job.model_id) : 'the active model, when it starts', 'field-model'),
      detailField('Priority', String(job.priority ?? 0), 'field-priority'),
      detailField('Attempt', fmtInt(job.attempt), 'field-attempt'),
      detailField('Process', job.pid ? `pid ${job.pid}${job.host ? ' on ' + job.host : ''}` : DASH, 'field-process'),
      detailField('Heartbeat', fmtTime(job.heartbeat_at), 'field-heartbeat'),
      detailField('Retry of', job.retry_of ? h('a', {href: '#job/' + enc(job.retry_of), 'data-testid': 'retry-of-link'}, job.retry_of) : DASH, 'field-retry-of'),
      detailField('Log file', job.log_path || DASH, 'field-log-path'),
    ];
    fill($('#detail-fields'), ...fields.flat());

    const config = jobConfig(job);
    const cfg = $('#detail-config');
    const csig = JSON.stringify(config);
    if (cfg.dataset.sig !== csig) {
      cfg.dataset.sig = csig;
      if (!config) fill(cfg, h('dd', {class: 'muted'}, 'No options recorded.'));
      else {
        const empty = (v) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
        const keys = Object.keys(config).filter((k) => !(['date', 'from', 'to', 'race_ids', 'job_id'].includes(k) && empty(config[k]))).sort((a, b) => {
          const order = Object.keys(CONFIG_LABELS);
          const ia = order.indexOf(a), ib = order.indexOf(b);
          return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || (a < b ? -1 : 1);
        });
        fill(cfg, ...keys.flatMap((key) => {
          const value = configValue(key, config[key]);
          return detailField(CONFIG_LABELS[key] || key, value, 'config-' + key);
        }));
      }
    }
    const retries = Array.from(S.jobs.values()).filter((j) => j.retry_of === id).sort(sortByCreatedDesc);
    const rbox = $('#detail-retries');
    const rsig = retries.map((j) => j.job_id + j.status).join(',');
    if (rbox.dataset.sig !== rsig) {
      rbox.dataset.sig = rsig;
      fill(rbox, ...(retries.length ? [h('h4', {class: 'sub-title'}, 'Retries of this job'),
        h('ul', {class: 'plain-list'}, retries.map((j) => h('li', {'data-testid': 'retry-job'},
          h('a', {href: '#job/' + enc(j.job_id)}, j.job_id), ' ', statusBadge(j))))] : []));
    }
    // Counts changed: the failed races list may have grown.
    const fsig = `${job.failed_races}|${job.status}`;
    if (S.failedSig !== null && S.failedSig !== fsig) loadFailedRaces(id);
    // A resumed job writes again to its log.
    if (job.is_running && !S.log.running && S.log.jobId === id && S.log.ready) pollLogSoon(0);
  }

  // The word of the job's end (webhook, e-mail), when notifications are set: each delivery,
  // its attempts and its last error.
  async function loadNotifications(id) {
    try {
      const answer = await api('GET', jobPath(id) + '/notifications');
      if (S.jobId !== id) return;
      const rows = answer.notifications || [];
      $('#notify-section').hidden = rows.length === 0;
      fill($('#job-notifications'), h('div', {class: 'table-wrap'}, h('table', {class: 'table compact'},
        h('thead', null, h('tr', null, h('th', {scope: 'col'}, 'Channel'), h('th', {scope: 'col'}, 'Status'),
          h('th', {scope: 'col', class: 'num'}, 'Attempts'), h('th', {scope: 'col'}, 'When'), h('th', {scope: 'col'}, 'Last error'))),
        h('tbody', null, rows.map((n) => h('tr', {'data-testid': 'notification'},
          h('td', {'data-label': 'Channel'}, n.channel),
          h('td', {'data-label': 'Status'}, n.status),
          h('td', {class: 'num', 'data-label': 'Attempts'}, fmtInt(n.attempts)),
          h('td', {class: 'nowrap', 'data-label': 'When'}, n.status === 'delivered' ? (n.delivered_at || DASH) : 'next ' + (n.next_attempt_at || DASH)),
          h('td', {'data-label': 'Last error'}, n.last_error || DASH)))))));
    } catch (err) {
      if (S.jobId !== id || err.status === 401) return;
      $('#notify-section').hidden = true;
    }
  }

  async function loadFailedRaces(id) {
    loadNotifications(id);
    const fsigNow = (() => { const j = S.jobs.get(id); return j ? `${j.failed_races}|${j.status}` : ''; })();
    S.failedSig = fsigNow;
    try {
      const answer = await api('GET', jobPath(id) + '/failed-races');
      if (S.jobId !== id) return;
      const races = answer.races || [];
      $('#failed-count').textContent = races.length ? `(${fmtInt(races.length)})` : '';
      const box = $('#failed-races');
      if (!races.length) { fill(box, h('p', {class: 'muted', 'data-testid': 'no-failed'}, 'No race failed.')); return; }
      fill(box, h('div', {class: 'table-wrap'}, h('table', {class: 'table compact'},
        h('thead', null, h('tr', null, h('th', {scope: 'col', class: 'num'}, 'Race id'), h('th', {scope: 'col'}, 'Day'), h('th', {scope: 'col'}, 'Venue'),
          h('th', {scope: 'col'}, 'R/C'), h('th', {scope: 'col', class: 'num'}, 'Attempts'), h('th', {scope: 'col'}, 'Reason'))),
        h('tbody', null, races.map((r) => h('tr', {'data-testid': 'failed-race', 'data-race-id': r.race_id},
          h('td', {class: 'num mono', 'data-label': 'Race id'}, String(r.race_id)),
          h('td', {class: 'nowrap', 'data-label': 'Day'}, r.race_date || DASH),
          h('td', {'data-label': 'Venue'}, r.venue || DASH),
          h('td', {'data-label': 'R/C'}, isNum(r.meeting_no) ? `R${r.meeting_no}C${r.race_no}` : DASH),
          h('td', {class: 'num', 'data-label': 'Attempts'}, fmtInt(r.attempts)),
          h('td', {'data-label': 'Reason', 'data-testid': 'failed-reason'}, r.reason || DASH)))))));
    } catch (err) {
      if (S.jobId !== id || err.status === 401) return;
      fill($('#failed-races'), h('p', {class: 'form-error'}, err.message));
    }
  }

  // The log: the last 20,000 bytes first, then what is appended, every second while the job runs.
  function stopLog() {
    S.log.gen++;
    if (S.log.timer) clearTimeout(S.log.timer);
    S.log.timer = null;
    S.log.running = false;
    S.log.ready = false;
  }
  function pollLogSoon(delay) {
    if (S.log.timer) clearTimeout(S.log.timer);
    S.log.running = true;
    const gen = S.log.gen;
    S.log.timer = setTimeout(() => pollLog(gen), delay);
  }
  function logState(text) { const el = $('#log-state'); if (el) el.textContent = text; }
  function appendLog(text) {
    const pre = $('#job-log');
    if (!pre || !text) return;
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 24;
    pre.appendChild(document.createTextNode(text));
    // Keep the page light: at most about 2 MB of log text in the page.
    while (pre.childNodes.length > 1 && pre.textContent.length > 2000000) pre.removeChild(pre.firstChild);
    if ($('#log-follow') && $('#log-follow').checked && (atBottom || S.log.justStarted)) pre.scrollTop = pre.scrollHeight;
  }
  async function startLog(id) {
    if (S.log.jobId === id && S.log.ready) return;
    stopLog();
    S.log.jobId = id;
    const gen = S.log.gen;
    logState('Loading…');
    try {
      const answer = await api('GET', jobPath(id) + '/log?tail=20000');
      if (gen !== S.log.gen) return;
      const pre = $('#job-log');
      fill(pre);
      const truncated = answer.next_offset > new TextEncoder().encode(answer.text || '').length;
      if (truncated) pre.appendChild(h('span', {class: 'muted'}, '… earlier lines not shown\n'));
      S.log.justStarted = true;
      appendLog(answer.text || '');
      S.log.justStarted = false;
      if (!answer.text) pre.appendChild(h('span', {class: 'muted log-empty'}, 'The log is empty so far.\n'));
      S.log.offset = answer.next_offset;
      S.log.ready = true;
      if (answer.job_finished) { S.log.running = false; logState('The job has ended.'); }
      else { logState('Following'); pollLogSoon(1000); }
    } catch (err) {
      if (gen !== S.log.gen || err.status === 401) return;
      S.log.ready = true;
      logState(err.status === 404 ? 'No log yet.' : err.message);
      const job = S.jobs.get(id);
      if (job && job.is_running) pollLogSoon(1000);
    }
  }
  async function pollLog(gen) {
    if (gen !== S.log.gen) return;
    const id = S.log.jobId;
    try {
      const answer = await api('GET', `${jobPath(id)}/log?offset=${S.log.offset}`);
      if (gen !== S.log.gen) return;
      const empty = $('.log-empty');
      if (answer.text && empty) empty.remove();
      appendLog(answer.text || '');
      S.log.offset = answer.next_offset;
      if (answer.job_finished && !answer.text) {
        S.log.running = false;
        S.log.timer = null;
        logState('The job has ended.');
        return;
      }
      logState(answer.job_finished ? 'The job has ended.' : 'Following');
      pollLogSoon(answer.job_finished ? 0 : 1000);
    } catch (err) {
      if (gen !== S.log.gen || err.status === 401) return;
      logState(err.message);
      pollLogSoon(3000);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Launch
  // ---------------------------------------------------------------------------------------
  const INT_RE = /^-?\d+$/;
  // Integers as paddock reads them (docs/cli.md): optional '-', decimal digits; no clamping.
  function parseInteger(text, min, max, message) {
    const value = String(text ?? '').trim();
    if (value === '') return {value: undefined};
    if (!INT_RE.test(value)) return {error: `'${value}' is not a whole number. ${message}.`};
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) return {error: message + (Number.isSafeInteger(n) ? `, not ${n}.` : '.')};
    return {value: n};
  }
  function isRealDay(text) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
    const [y, m, d] = text.split('-').map(Number);
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  }
  function parseDay(text, label, required) {
    const value = String(text ?? '').trim();
    if (value === '') return required ? {error: `Enter ${label} as YYYY-MM-DD.`} : {value: undefined};
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return {error: `'${value}' is not a date in the form YYYY-MM-DD.`};
    if (!isRealDay(value)) return {error: `'${value}' is not a real calendar day.`};
    return {value};
  }
  function parseRaceIds(text) {
    const parts = String(text ?? '').split(/[\s,;]+/).filter((x) => x !== '');
    if (!parts.length) return {error: 'Enter at least one race id.'};
    const ids = [];
    for (const part of parts) {
      if (!/^\d+$/.test(part)) return {error: `'${part.length > 24 ? part.slice(0, 24) + '…' : part}' is not a race id: ids are positive whole numbers.`};
      const n = Number(part);
      if (!Number.isSafeInteger(n) || n < 1) return {error: `'${part}' is not a race id: ids are whole numbers from 1 to ${Number.MAX_SAFE_INTEGER}.`};
      ids.push(n);
    }
    if (ids.length > 100000) return {error: 'At most 100,000 race ids at once.'};
    return {value: ids};
  }
  const JOB_ID_RE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

  const NUMBER_FIELDS = [
    {name: 'workers', id: 'f-workers', min: -1, max: 256, message: 'Workers must be -1 (all cores) or 1 to 256', check: (n) => n !== 0},
    {name: 'chunk_size', id: 'f-chunk', min: 1, max: 100000, message: 'Chunk size must be 1 to 100000'},
    {name: 'max_memory_mb', id: 'f-memory', min: 1, max: 1048576, message: 'The memory limit must be 1 to 1048576 MB'},
    {name: 'retries', id: 'f-retries', min: 0, max: 10, message: 'Retries must be 0 to 10'},
    {name: 'priority', id: 'f-priority', min: -1000, max: 1000, message: 'Priority must be -1000 to 1000'},
    {name: 'limit', id: 'f-limit', min: 1, max: Number.MAX_SAFE_INTEGER, message: 'At most must be 1 or more'},
  ];

  const launchTouched = new Set();
  let launchSubmitted = false;

  function currentMode() { return ($('input[name="mode"]:checked') || {}).value || 'unpredicted'; }

  function showModeFields() {
    const mode = currentMode();
    for (const box of $$('.mode-fields')) box.hidden = !box.dataset.mode.split(' ').includes(mode);
  }

  // Reads and checks the form: {options, errors: {fieldId: message}}.
  function readLaunchForm() {
    const errors = {};
    const options = {};
    const mode = currentMode();
    if (mode === 'all') options.all = true;
    if (mode === 'date') {
      const r = parseDay($('#f-date').value, 'the day', true);
      if (r.error) errors['f-date'] = r.error; else options.date = r.value;
    }
    if (mode === 'range') {
      const a = parseDay($('#f-from').value, 'the first day', false);
      const b = parseDay($('#f-to').value, 'the last day', false);
      if (a.error) errors['f-from'] = a.error; else if (a.value) options.from = a.value;
      if (b.error) errors['f-to'] = b.error; else if (b.value) options.to = b.value;
      if (!a.error && !b.error) {
        if (!a.value && !b.value) errors['f-from'] = 'Give a first day, a last day, or both.';
        else if (a.value && b.value && b.value < a.value) errors['f-to'] = `The last day (${b.value}) is before the first day (${a.value}).`;
      }
    }
    if ((mode === 'date' || mode === 'range') && $('#f-again').checked) options.all = true;
    if (mode === 'custom') {
      const r = parseRaceIds($('#f-race-ids').value);
      if (r.error) errors['f-race-ids'] = r.error; else options.race_ids = r.value;
    }
    for (const f of NUMBER_FIELDS) {
      const r = parseInteger($('#' + f.id).value, f.min, f.max, f.message);
      if (!r.error && r.value !== undefined && f.check && !f.check(r.value)) r.error = f.message + `, not ${r.value}.`;
      if (r.error) errors[f.id] = r.error;
      else if (r.value !== undefined) options[f.name] = r.value;
    }
    const model = $('#f-model').value;
    if (model) options.model_id = Number(model);
    const jobId = $('#f-job-id').value.trim();
    if (jobId) {
      if (!JOB_ID_RE.test(jobId)) {
        const bad = Array.from(jobId).findIndex((ch, i) => !/[A-Za-z0-9_.-]/.test(ch) || (i === 0 && ch === '.'));
        errors['f-job-id'] = jobId.length > 128 ? 'A job id has at most 128 characters.'
          : bad === 0 && jobId[0] === '.' ? 'A job id cannot start with a dot.'
            : `A job id may hold letters, digits, '_', '-' and '.' only (position ${bad + 1}).`;
      } else options.job_id = jobId;
    }
    return {options, errors};
  }

  function showLaunchErrors(errors) {
    const fields = ['f-date', 'f-from', 'f-to', 'f-race-ids', 'f-job-id', ...NUMBER_FIELDS.map((f) => f.id)];
    for (const id of fields) {
      const input = $('#' + id);
      const box = $('#' + id + '-error');
      const visible = launchSubmitted || launchTouched.has(id);
      const message = visible ? errors[id] || '' : '';
      box.textContent = message;
      if (message) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
    }
  }

  let previewTimer = null;
  let previewGen = 0;
  function schedulePreview() {
    clearTimeout(previewTimer);
    const {options, errors} = readLaunchForm();
    showLaunchErrors(errors);
    const preview = $('#preview');
    if (Object.keys(errors).length) {
      previewGen++;
      preview.dataset.state = 'invalid';
      preview.className = 'preview muted';
      preview.textContent = 'Correct the highlighted fields to see how many races this selects.';
      return;
    }
    preview.dataset.state = 'loading';
    preview.className = 'preview muted';
    preview.textContent = 'Counting the races…';
    const gen = ++previewGen;
    previewTimer = setTimeout(() => runPreview(options, gen), 350);
  }
  async function runPreview(options, gen) {
    const body = Object.assign({}, options);
    delete body.job_id;  // a preview selects races; the id only matters to a launch
    const preview = $('#preview');
    try {
      const answer = await api('POST', '/api/jobs/preview', body);
      if (gen !== previewGen) return;
      preview.dataset.state = 'ok';
      preview.dataset.races = String(answer.races);
      preview.className = 'preview';
      const unknown = answer.unknown_race_ids || [];
      const parts = [h('strong', {'data-testid': 'preview-count'}, fmtInt(answer.races)),
        answer.races === 1 ? ' race' : ' races', ' would be predicted',
        isNum(answer.model_id) ? ` by model ${answer.model_id}` : '', '.'];
      if (answer.races === 0 && !unknown.length) parts.push(h('span', {class: 'warn'}, ' Nothing to predict: the job would complete at once.'));
      if (unknown.length) {
        parts.push(h('span', {class: 'warn', 'data-testid': 'preview-unknown'},
          ` ${unknown.length} ${unknown.length === 1 ? 'id names' : 'ids name'} no race (${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}): recorded as failed, “race not found”.`));
      }
      fill(preview, ...parts);
    } catch (err) {
      if (gen !== previewGen) return;
      preview.dataset.state = 'error';
      preview.className = 'preview error';
      fill(preview, h('span', {'data-testid': 'preview-error'}, err.status === 401 ? 'A token is needed.' : err.message));
    }
  }

  function setupLaunch() {
    const form = $('#launch-form');
    const onEdit = (event) => {
      if (event.target && event.target.id) launchTouched.add(event.target.id);
      if (event.target && event.target.name === 'mode') showModeFields();
      $('#launch-error').textContent = '';
      schedulePreview();
    };
    form.addEventListener('input', onEdit);
    form.addEventListener('change', onEdit);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      launchSubmitted = true;
      const {options, errors} = readLaunchForm();
      showLaunchErrors(errors);
      const errorBox = $('#launch-error');
      const first = Object.keys(errors)[0];
      if (first) {
        errorBox.textContent = 'The job was not launched: correct the highlighted fields.';
        $('#' + first).focus();
        return;
      }
      errorBox.textContent = '';
      const button = $('#launch-button');
      button.disabled = true;
      button.textContent = 'Launching…';
      try {
        const since = clock();
        const answer = await api('POST', '/api/jobs', options);
        S.highlight = answer.job_id;
        S.highlightShown = false;
        upsertJob(answer.job, since);
        S.seenActive.add(answer.job_id);
        $('#f-job-id').value = '';
        launchSubmitted = false;
        launchTouched.clear();
        toast(`Job ${answer.job_id} launched.`, {link: {href: '#job/' + enc(answer.job_id), text: 'Details'}});
        go('active');
        schedulePreview();
      } catch (err) {
        if (err.status !== 401) errorBox.textContent = err.message;
      } finally {
        button.disabled = false;
        button.textContent = 'Launch job';
      }
    });
    showModeFields();
  }

  // ---------------------------------------------------------------------------------------
  // Models (the select lists, the Models view)
  // ---------------------------------------------------------------------------------------
  async function loadModels() {
    try {
      const answer = await api('GET', '/api/models');
      S.models = answer.models || [];
      S.modelsLoaded = true;
      fillModelSelects();
      renderModels();
    } catch (err) {
      if (err.status !== 401) toast(err.message, {kind: 'error'});
    }
  }
  function modelLabel(m) { return `${m.id} · ${m.name || 'model'}${m.is_active ? ' (active)' : ''}`; }
  function fillModelSelects() {
    for (const sel of [$('#f-model'), $('#day-model')]) {
      const keep = sel.value;
      const active = S.models.find((m) => m.is_active);
      fill(sel, h('option', {value: ''}, active ? `Active model (${active.id} · ${active.name})` : 'Active model'),
        ...S.models.map((m) => h('option', {value: String(m.id)}, modelLabel(m))));
      if (S.models.some((m) => String(m.id) === keep)) sel.value = keep;
    }
  }
  function renderModels() {
    const body = $('#models-body');
    $('#models-empty').hidden = S.models.length > 0;
    fill(body, ...S.models.map((m) => h('tr', {'data-testid': 'model-row', 'data-model-id': m.id, class: m.is_active ? 'row-active' : ''},
      h('td', {class: 'num', 'data-label': 'Id'}, String(m.id)),
      h('td', {'data-label': 'Name'}, h('span', {class: 'mono'}, m.name || DASH), m.path ? h('div', {class: 'small muted path'}, m.path) : null),
      h('td', {class: 'nowrap', 'data-label': 'Created'}, fmtTime(m.created_at)),
      h('td', {class: 'num', 'data-label': 'Trees'}, fmtInt(m.trees)),
      h('td', {class: 'num', 'data-label': 'Features'}, fmtInt(m.features)),
      h('td', {'data-label': 'Validation', 'data-testid': 'model-validation'}, validationSummary(m)),
      h('td', {'data-label': 'State'}, m.is_active ? h('span', {class: 'badge status-completed', 'data-testid': 'model-active'}, 'active') : h('span', {class: 'muted'}, 'inactive')),
      h('td', {class: 'cell-actions'}, h('div', {class: 'btn-group'},
        h('button', {type: 'button', class: 'btn btn-sm btn-primary', 'data-testid': 'model-evaluate', onclick: () => selectModel(m.id)}, 'Evaluate'),
        m.is_active ? null : h('button', {type: 'button', class: 'btn btn-sm', 'data-testid': 'model-activate', onclick: (e) => activateModel(m.id, e.currentTarget)}, 'Activate'))))));
  }
  // The measures stored with the model at training, on its validation window (if the server gives them).
  function validationSummary(m) {
    const c = m.metrics && m.metrics.combined;
    if (!c) return DASH;
    const mk = m.metrics.market;
    return h('span', {class: 'small'}, `winner ${fmtPct(c.winner_hit)} · log loss ${fmtFixed(c.log_loss, 3)}`,
      mk && isNum(mk.log_loss) ? h('span', {class: 'muted'}, ` (market ${fmtFixed(mk.log_loss, 3)})`) : null,
      isNum(c.races) ? h('span', {class: 'muted'}, ` · ${fmtInt(c.races)} races`) : null);
  }
  async function activateModel(id, button) {
    await runAction(button, async () => {
      await api('POST', `/api/models/${enc(id)}/activate`, {});
      toast(`Model ${id} is now the active model.`);
      await loadModels();
      schedulePreview();
    });
  }

  let evalModel = null;
  function selectModel(id) {
    evalModel = id;
    const model = S.models.find((m) => m.id === id);
    const box = $('#evaluation');
    const form = h('form', {class: 'eval-form', novalidate: true, 'data-testid': 'eval-form'},
      h('div', {class: 'field-inline'}, h('label', {for: 'eval-from'}, 'From'), h('input', {id: 'eval-from', type: 'text', class: 'input-date', placeholder: 'first day', autocomplete: 'off', 'data-testid': 'eval-from'})),
      h('div', {class: 'field-inline'}, h('label', {for: 'eval-to'}, 'To'), h('input', {id: 'eval-to', type: 'text', class: 'input-date', placeholder: 'last day', autocomplete: 'off', 'data-testid': 'eval-to'})),
      h('button', {type: 'submit', class: 'btn btn-primary'}, 'Evaluate'),
      h('span', {class: 'field-error', id: 'eval-error', 'aria-live': 'polite'}));
    form.addEventListener('submit', (event) => { event.preventDefault(); runEvaluation(); });
    fill(box, 
      h('div', {class: 'card'},
        h('div', {class: 'card-head'}, h('h3', {class: 'card-title'}, `Evaluation of model ${id}`, model ? h('span', {class: 'muted'}, ` · ${model.name}`) : null), form),
        h('p', {class: 'small muted'}, 'Finished races with complete odds, scored by each predictor on the same races. For an honest measure, start after the model\'s validation window.'),
        h('div', {id: 'eval-body', 'data-testid': 'eval-body'})));
    runEvaluation();
  }

  async function runEvaluation() {
    const id = evalModel;
    const from = parseDay($('#eval-from').value, 'the first day', false);
    const to = parseDay($('#eval-to').value, 'the last day', false);
    $('#eval-error').textContent = from.error || to.error || '';
    if (from.error || to.error) return;
    const params = new URLSearchParams();
    if (from.value) params.set('from', from.value);
    if (to.value) params.set('to', to.value);
    const gen = ++S.evalGen;
    const body = $('#eval-body');
    body.setAttribute('aria-busy', 'true');
    fill(body, h('div', {class: 'spinner-row', role: 'status', 'data-testid': 'eval-spinner'},
      h('span', {class: 'spinner', 'aria-hidden': 'true'}), `Evaluating model ${id}… this can take a few seconds.`));
    try {
      const q = params.toString();
      const report = await api('GET', `/api/models/${enc(id)}/evaluation${q ? '?' + q : ''}`);
      if (gen !== S.evalGen) return;
      body.removeAttribute('aria-busy');
      fill(body, ...renderEvaluation(report));
    } catch (err) {
      if (gen !== S.evalGen) return;
      body.removeAttribute('aria-busy');
      fill(body, h('p', {class: 'form-error', 'data-testid': 'eval-error'}, err.status === 401 ? 'A token is needed.' : err.message));
    }
  }

  const PREDICTOR_COLORS = ['#0b5cad', '#8250df', '#c2410c', '#1a7f37', '#b42318', '#57606a'];
  function predictorColor(name, index) {
    const n = String(name).toLowerCase();
    if (n.startsWith('combined')) return PREDICTOR_COLORS[0];
    if (n.startsWith('fundamental')) return PREDICTOR_COLORS[1];
    if (n.startsWith('market')) return PREDICTOR_COLORS[2];
    if (n.startsWith('truth')) return PREDICTOR_COLORS[3];
    return PREDICTOR_COLORS[(index + 4) % PREDICTOR_COLORS.length];
  }
  const predictorKey = (name) => String(name).toLowerCase().split(/[^a-z]/)[0];

  function renderEvaluation(report) {
    const predictors = report.predictors || [];
    const columns = [
      {key: 'races', label: 'Races', fmt: fmtInt},
      {key: 'winner_hit', label: 'Winner', title: 'Share of races whose winner was the top pick', fmt: (v) => fmtPct(v), best: 'max'},
      {key: 'winner_in_top3', label: 'Winner in top 3', fmt: (v) => fmtPct(v), best: 'max'},
      {key: 'top5_overlap', label: 'Top-5 overlap', title: 'Runners of the first five found in the predicted top five (0 to 5)', fmt: (v) => fmtFixed(v, 2), best: 'max'},
      {key: 'ndcg5', label: 'NDCG@5', fmt: (v) => fmtFixed(v, 3), best: 'max'},
      {key: 'log_loss', label: 'Log loss', title: 'Of the winner\'s probability; lower is better', fmt: (v) => fmtFixed(v, 4), best: 'min'},
      {key: 'pseudo_r2', label: 'Pseudo-R²', fmt: (v) => fmtFixed(v, 3), best: 'max'},
      {key: 'quinte_races', label: 'Q+ races', group: true, fmt: fmtInt},
      {key: 'quinte_ordre', label: 'Ordre', fmt: (v) => fmtPct(v), best: 'max'},
      {key: 'quinte_desordre', label: 'Désordre', fmt: (v) => fmtPct(v), best: 'max'},
      {key: 'quinte_bonus4', label: 'Bonus 4', fmt: (v) => fmtPct(v), best: 'max'},
      {key: 'quinte_bonus3', label: 'Bonus 3', fmt: (v) => fmtPct(v), best: 'max'},
    ];
    const contenders = predictors.filter((p) => predictorKey(p.name) !== 'truth');
    const best = {};
    for (const c of columns) {
      if (!c.best) continue;
      const values = contenders.map((p) => p[c.key]).filter(isNum);
      if (values.length > 1 && Math.max(...values) !== Math.min(...values)) best[c.key] = c.best === 'max' ? Math.max(...values) : Math.min(...values);
    }
    const summary = h('p', {class: 'eval-summary', 'data-testid': 'eval-summary'},
      `${fmtInt(report.races_scored)} races scored of ${fmtInt(report.races_considered)} finished in the window`,
      report.from || report.to ? `, ${report.from || '…'} to ${report.to || '…'}` : '', '.');
    const table = h('div', {class: 'table-wrap'}, h('table', {class: 'table eval-table', 'data-testid': 'eval-table'},
      h('caption', {class: 'sr-only'}, 'Measures of each predictor on the same races; the best of the model and the market in bold'),
      h('thead', null,
        h('tr', null, h('th', {scope: 'col', rowspan: 2}, 'Predictor'), h('th', {scope: 'colgroup', colspan: 7, class: 'group'}, 'All races'),
          h('th', {scope: 'colgroup', colspan: 5, class: 'group group-q'}, 'Quinté+ (top five as the ticket)')),
        h('tr', null, columns.map((c) => h('th', {scope: 'col', class: 'num' + (c.group ? ' group-start' : ''), title: c.title}, c.label)))),
      h('tbody', null, predictors.map((p, i) => h('tr', {'data-testid': 'eval-row', 'data-predictor': predictorKey(p.name)},
        h('th', {scope: 'row'}, h('span', {class: 'swatch', style: {background: predictorColor(p.name, i)}, 'aria-hidden': 'true'}), p.name),
        columns.map((c) => {
          const v = p[c.key];
          const isBest = isNum(v) && best[c.key] === v && predictorKey(p.name) !== 'truth';
          return h('td', {class: 'num' + (c.group ? ' group-start' : '') + (isBest ? ' best' : ''), 'data-metric': c.key, 'data-value': isNum(v) ? String(v) : ''}, c.fmt(v));
        }))))));
    return [summary, table, calibrationChart(predictors)];
  }

  function niceStep(max) {
    if (max <= 0.12) return 0.02;
    if (max <= 0.3) return 0.05;
    if (max <= 0.6) return 0.1;
    return 0.2;
  }

  const MIN_BUCKET_RUNNERS = 30;  // a bucket of a handful of runners says nothing: not drawn
  function calibrationChart(predictors) {
    const allBuckets = predictors.flatMap((p) => (p.calibration || []).filter((b) => b.runners > 0).map((b) => ({name: p.name, b})));
    const series = predictors.map((p, i) => ({
      name: p.name, color: predictorColor(p.name, i), key: predictorKey(p.name),
      points: (p.calibration || []).filter((b) => b.runners >= MIN_BUCKET_RUNNERS && isNum(b.mean_probability) && isNum(b.win_rate))
        .sort((a, b) => a.mean_probability - b.mean_probability),
    })).filter((x) => x.points.length);
    const wrap = h('figure', {class: 'card calibration', 'data-testid': 'calibration'});
    wrap.appendChild(h('figcaption', {class: 'card-title'}, 'Calibration: observed win rate by predicted probability',
      h('span', {class: 'small muted cal-note'}, ` (buckets of ${MIN_BUCKET_RUNNERS} runners or more)`)));
    if (!series.length) {
      wrap.appendChild(h('p', {class: 'muted'}, 'No calibration buckets in this report.'));
      return wrap;
    }
    let maxV = 0;
    for (const x of series) for (const b of x.points) maxV = Math.max(maxV, b.mean_probability, b.win_rate);
    const step = niceStep(maxV);
    maxV = Math.min(1, Math.max(step, Math.ceil((maxV + 1e-9) / step) * step));
    const W = 560, H = 400, L = 58, R = 16, T = 14, B = 50;
    const x = (v) => L + (v / maxV) * (W - L - R);
    const y = (v) => H - B - (v / maxV) * (H - T - B);
    const svgEl = s('svg', {viewBox: `0 0 ${W} ${H}`, class: 'calibration-svg', role: 'img', 'aria-labelledby': 'cal-title cal-desc', 'data-testid': 'calibration-svg'},
      s('title', {id: 'cal-title'}, 'Calibration plot'),
      s('desc', {id: 'cal-desc'}, 'For each predictor, runners are grouped by predicted win probability; each point is a group\'s mean predicted probability (x) and the share of its runners that won (y). Points on the diagonal are perfectly calibrated.'));
    const grid = s('g', {class: 'cal-grid'});
    for (let v = 0; v <= maxV + 1e-9; v += step) {
      const label = Math.round(v * 100) + '%';
      grid.append(
        s('line', {x1: x(v), x2: x(v), y1: T, y2: H - B, class: 'cal-gridline'}),
        s('line', {x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'cal-gridline'}),
        s('line', {x1: x(v), x2: x(v), y1: H - B, y2: H - B + 5, class: 'cal-tick'}),
        s('line', {x1: L - 5, x2: L, y1: y(v), y2: y(v), class: 'cal-tick'}),
        s('text', {x: x(v), y: H - B + 18, 'text-anchor': 'middle', class: 'cal-ticklabel'}, label),
        s('text', {x: L - 8, y: y(v) + 4, 'text-anchor': 'end', class: 'cal-ticklabel'}, label));
    }
    svgEl.append(grid,
      s('line', {x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'cal-axis'}),
      s('line', {x1: L, y1: T, x2: L, y2: H - B, class: 'cal-axis'}),
      s('text', {x: (L + W - R) / 2, y: H - 10, 'text-anchor': 'middle', class: 'cal-axislabel'}, 'Predicted win probability'),
      s('text', {x: 14, y: (T + H - B) / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${(T + H - B) / 2})`, class: 'cal-axislabel'}, 'Observed win rate'),
      s('line', {x1: x(0), y1: y(0), x2: x(maxV), y2: y(maxV), class: 'cal-diagonal', 'data-testid': 'calibration-diagonal'}));
    for (const ser of series) {
      const g = s('g', {class: 'cal-series', 'data-predictor': ser.key, 'data-testid': 'calibration-series'});
      g.appendChild(s('polyline', {points: ser.points.map((b) => `${x(b.mean_probability).toFixed(1)},${y(b.win_rate).toFixed(1)}`).join(' '),
        fill: 'none', stroke: ser.color, 'stroke-width': 2, 'stroke-dasharray': ser.key === 'truth' ? '5 4' : null}));
      for (const b of ser.points) {
        g.appendChild(s('circle', {cx: x(b.mean_probability).toFixed(1), cy: y(b.win_rate).toFixed(1), r: 3.5, fill: ser.color, 'data-testid': 'calibration-point'},
          s('title', null, `${ser.name}: predicted ${fmtPct(b.mean_probability)}, observed ${fmtPct(b.win_rate)} (${fmtInt(b.runners)} runners, ${fmtPct(b.low, 0)}–${fmtPct(b.high, 0)})`)));
      }
      svgEl.appendChild(g);
    }
    const side = h('div', {class: 'calibration-side'});
    wrap.appendChild(h('div', {class: 'calibration-body'}, h('div', {class: 'calibration-plot'}, svgEl), side));
    side.appendChild(h('ul', {class: 'legend', 'data-testid': 'calibration-legend'},
      h('li', null, h('span', {class: 'legend-line legend-diagonal', 'aria-hidden': 'true'}), 'perfect calibration'),
      series.map((ser) => h('li', null, h('span', {class: 'legend-line', style: {background: ser.color}, 'aria-hidden': 'true'}), ser.name))));
    // The numbers, for whoever prefers a table (and for screen readers).
    const buckets = h('details', {class: 'cal-details'}, h('summary', null, 'Calibration table'),
      h('div', {class: 'table-wrap'}, h('table', {class: 'table compact'},
        h('thead', null, h('tr', null, h('th', {scope: 'col'}, 'Predictor'), h('th', {scope: 'col'}, 'Bucket'), h('th', {scope: 'col', class: 'num'}, 'Runners'),
          h('th', {scope: 'col', class: 'num'}, 'Mean predicted'), h('th', {scope: 'col', class: 'num'}, 'Won'))),
        h('tbody', null, allBuckets.map(({name, b}) => h('tr', null, h('td', null, name), h('td', {class: 'nowrap'}, `${fmtPct(b.low, 0)}–${fmtPct(b.high, 0)}`),
          h('td', {class: 'num'}, fmtInt(b.runners)), h('td', {class: 'num'}, fmtPct(b.mean_probability)), h('td', {class: 'num'}, fmtPct(b.win_rate))))))));
    side.appendChild(h('p', {class: 'small muted'}, 'Each point is a bucket of runners by predicted win probability: its mean prediction (across) and the share of its runners that won (up). On the dashed diagonal, predictions mean what they say; below it, they are too confident.'));
    side.appendChild(buckets);
    return wrap;
  }

  // ---------------------------------------------------------------------------------------
  // Predictions
  // ---------------------------------------------------------------------------------------
  async function loadDays() {
    try {
      const answer = await api('GET', '/api/days?limit=30');
      S.days = answer.days || [];
      const select = $('#day-select');
      const keep = select.value;
      fill(select, h('option', {value: ''}, S.days.length ? 'Choose a day' : 'No race day'),
        ...S.days.map((d) => h('option', {value: d.date}, `${d.date} · ${fmtInt(d.races)} races · ${fmtInt(d.predicted)} predicted`)));
      if (S.days.some((d) => d.date === keep)) select.value = keep;
      else if (S.currentDay && S.days.some((d) => d.date === S.currentDay)) select.value = S.currentDay;
      fill($('#days-list'), ...S.days.map((d) => h('option', {value: d.date}, `${d.races} races`)));
      return S.days;
    } catch (err) {
      if (err.status !== 401) toast(err.message, {kind: 'error'});
      return [];
    }
  }

  function setupPredictions() {
    $('#day-select').addEventListener('change', () => {
      const date = $('#day-select').value;
      if (date) { $('#day-input').value = date; go('predictions', date); }
    });
    $('#day-model').addEventListener('change', () => { if (S.currentDay) loadDay(S.currentDay, true); });
    $('#day-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const r = parseDay($('#day-input').value, 'a day', true);
      const err = $('#day-error');
      if (r.error) { err.textContent = r.error; $('#day-input').setAttribute('aria-invalid', 'true'); return; }
      err.textContent = '';
      $('#day-input').removeAttribute('aria-invalid');
      if (S.currentDay === r.value) loadDay(r.value, true); else go('predictions', r.value);
    });
  }

  async function showPredictions(date, entering) {
    if (!S.days.length || entering) await loadDays();
    if (!date) {
      if (S.currentDay) date = S.currentDay;
      else {
        const withPredictions = S.days.find((d) => d.predicted > 0);
        date = (withPredictions || S.days[0] || {}).date;
      }
      if (date) { history.replaceState(null, '', '#predictions/' + date); }
    }
    if (date) loadDay(date, !!entering);
  }

  async function loadDay(date, force) {
    if (!force && S.currentDay === date && $('#day-races').childElementCount) return;
    S.currentDay = date;
    $('#day-input').value = date;
    const select = $('#day-select');
    select.value = S.days.some((d) => d.date === date) ? date : '';
    const gen = ++S.dayGen;
    const model = $('#day-model').value;
    const params = new URLSearchParams({date});
    if (model) params.set('model', model);
    const races = $('#day-races');
    const summary = $('#day-summary');
    races.setAttribute('aria-busy', 'true');
    fill(summary, h('div', {class: 'spinner-row', role: 'status'}, h('span', {class: 'spinner', 'aria-hidden': 'true'}), `Loading ${date}…`));
    try {
      const answer = await api('GET', '/api/predictions?' + params.toString());
      if (gen !== S.dayGen) return;
      races.removeAttribute('aria-busy');
      renderDay(answer, model);
    } catch (err) {
      if (gen !== S.dayGen) return;
      races.removeAttribute('aria-busy');
      fill(races);
      fill(summary, h('p', {class: 'form-error', 'data-testid': 'day-load-error'}, err.status === 401 ? 'A token is needed.' : err.message));
    }
  }

  const DISCIPLINES = {attele: 'Trot attelé', monte: 'Trot monté', plat: 'Plat', haies: 'Haies', steeple: 'Steeple-chase', cross: 'Cross'};

  function renderDay(answer, model) {
    const races = (answer.races || []).slice().sort((a, b) => (a.meeting_no - b.meeting_no) || (a.race_no - b.race_no) || (a.race_id - b.race_id));
    const date = answer.date;
    const predicted = races.filter((r) => r.predicted);
    const finished = predicted.filter((r) => isNum(r.winner_number));
    let winnerTop1 = 0, winnerTop3 = 0;
    for (const race of finished) {
      const winner = (race.runners || []).find((x) => x.number === race.winner_number);
      if (winner && winner.predicted_rank === 1) winnerTop1++;
      if (winner && winner.predicted_rank <= 3) winnerTop3++;
    }
    const quinte = races.find((r) => r.is_quinte);
    const csvParams = new URLSearchParams({date});
    if (model) csvParams.set('model', model);
    const csvHref = withToken('/api/predictions.csv?' + csvParams.toString());
    const stats = [
      h('span', {class: 'summary-item'}, h('strong', null, fmtInt(races.length)), ' races'),
      h('span', {class: 'summary-item'}, h('strong', {'data-testid': 'day-predicted'}, fmtInt(predicted.length)), ` predicted by model ${answer.model_id ?? '?'}`),
      finished.length ? h('span', {class: 'summary-item', 'data-testid': 'day-hits'}, 'winner picked in ', h('strong', null, `${winnerTop1}/${finished.length}`),
        ` (${fmtPct(winnerTop1 / finished.length, 0)}), in the top 3 in `, h('strong', null, `${winnerTop3}/${finished.length}`)) : null,
      quinte ? h('a', {class: 'summary-item', href: '#race-' + quinte.race_id, onclick: (e) => { e.preventDefault(); const el = document.getElementById('race-' + quinte.race_id); if (el) { el.scrollIntoView({block: 'start'}); el.focus(); } }},
        h('span', {class: 'badge badge-quinte'}, 'Quinté+'), ` R${quinte.meeting_no}C${quinte.race_no}`) : null,
    ];
    fill($('#day-summary'), 
      h('div', {class: 'summary-line'}, h('h3', {class: 'day-title', 'data-testid': 'day-title'}, date), ...stats,
        h('a', {class: 'btn btn-sm', href: csvHref, download: `predictions-${date}.csv`, 'data-testid': 'day-csv'}, 'Export CSV')));
    if (!races.length) {
      fill($('#day-races'), h('p', {class: 'empty', 'data-testid': 'day-empty'}, `No race on ${date}.`));
      return;
    }
    fill($('#day-races'), ...races.map(raceCard));
  }

  function raceCard(race) {
    const runners = (race.runners || []).slice();
    const isPredicted = !!race.predicted;
    runners.sort((a, b) => {
      const ra = isNum(a.predicted_rank) ? a.predicted_rank : Infinity;
      const rb = isNum(b.predicted_rank) ? b.predicted_rank : Infinity;
      return ra - rb || a.number - b.number;
    });
    const hasResults = runners.some((r) => isNum(r.finish_position)) || isNum(race.winner_number);
    const probs = runners.map((r) => r.win_probability).filter(isNum);
    const sum = probs.reduce((a, b) => a + b, 0);
    const maxP = Math.max(0.0001, ...probs);
    const sorted = probs.slice().sort((a, b) => b - a);
    const margin = sorted.length > 1 ? sorted[0] - sorted[1] : null;
    const meta = [DISCIPLINES[race.discipline] || race.discipline, isNum(race.distance_m) ? `${fmtInt(race.distance_m)} m` : null,
      isNum(race.starters) ? `${race.starters} starters` : null, isNum(race.prize_eur) ? `${fmtInt(race.prize_eur)} €` : null].filter(Boolean).join(' · ');
    const pick = runners.filter((r) => r.in_quinte_pick).sort((a, b) => a.predicted_rank - b.predicted_rank);
    const hits = pick.filter((r) => r.hit).length;
    const head = h('header', {class: 'race-head'},
      h('h3', {class: 'race-title'},
        h('span', {class: 'race-rc', 'data-testid': 'race-rc'}, `R${race.meeting_no}C${race.race_no}`), ' ',
        h('span', {class: 'race-venue'}, race.venue || ''), ' ',
        h('span', {class: 'race-name'}, race.name || '')),
      h('div', {class: 'race-badges'},
        race.is_quinte ? h('span', {class: 'badge badge-quinte', 'data-testid': 'quinte-badge'}, 'Quinté+') : null,
        isPredicted ? null : h('span', {class: 'badge badge-muted', 'data-testid': 'not-predicted'}, 'not predicted'),
        race.status ? h('span', {class: 'badge badge-race-' + race.status}, race.status) : null),
      h('p', {class: 'race-meta muted'}, meta,
        isPredicted && margin !== null ? h('span', {class: 'race-confidence', title: 'The top pick\'s probability and its lead over the second'}, ` · top pick ${fmtPct(sorted[0], 0)}, lead ${((margin) * 100).toFixed(0)} pts`) : null));
    const rows = runners.map((r) => {
      const p = r.win_probability;
      const edge = isNum(p) && isNum(r.odds) ? p * r.odds - 1 : null;
      const finish = isNum(r.finish_position) ? String(r.finish_position) : (r.incident ? r.incident.replace('_', ' ') : (hasResults ? DASH : ''));
      return h('tr', {'data-testid': 'runner', 'data-number': r.number, 'data-rank': isNum(r.predicted_rank) ? r.predicted_rank : '',
        'data-probability': isNum(p) ? String(p) : '', class: (r.in_quinte_pick ? 'quinte-pick ' : '') + (r.hit ? 'is-hit ' : '') + (r.finish_position === 1 ? 'is-winner' : '')},
      h('td', {class: 'num rank', 'data-label': 'Rank', 'data-testid': 'runner-rank'}, isNum(r.predicted_rank) ? String(r.predicted_rank) : DASH,
        r.in_quinte_pick ? h('span', {class: 'pick-mark', title: 'In the Quinté+ pick (top five)', 'data-testid': 'quinte-pick'}, 'Q+') : null),
      h('td', {class: 'num', 'data-label': 'No'}, String(r.number)),
      h('td', {class: 'horse', 'data-label': 'Horse'}, h('span', {class: 'horse-name'}, r.horse || DASH), r.jockey ? h('span', {class: 'jockey'}, r.jockey) : null),
      h('td', {class: 'prob', 'data-label': 'Win'}, isNum(p) ? h('div', {class: 'pbar'},
        h('span', {class: 'pbar-fill', style: {width: (p / maxP * 100).toFixed(1) + '%'}, 'aria-hidden': 'true'}),
        h('span', {class: 'pbar-text', 'data-testid': 'runner-probability'}, fmtPct(p))) : DASH),
      h('td', {class: 'num', 'data-label': 'Odds'}, isNum(r.odds) ? r.odds.toFixed(1) : DASH,
        h('span', {class: 'mkt-inline', title: 'Market probability'}, fmtPct(r.market_probability, 0))),
      h('td', {class: 'num col-market', 'data-label': 'Market'}, fmtPct(r.market_probability)),
      h('td', {class: 'num col-edge ' + (isNum(edge) ? (edge > 0 ? 'good' : '') : ''), 'data-label': 'Edge', title: 'p × odds − 1'}, isNum(edge) ? (edge > 0 ? '+' : '') + (edge * 100).toFixed(0) + '%' : DASH),
      h('td', {class: 'num finish', 'data-label': 'Finish', 'data-testid': 'runner-finish'}, finish,
        r.hit ? h('span', {class: 'hit', 'data-testid': 'hit', title: 'A predicted top-five runner that finished in the first five', 'aria-label': 'hit'}, ' ✓') : null));
    });
    const table = h('div', {class: 'table-wrap runners-wrap'}, h('table', {class: 'table runners'},
      h('caption', {class: 'sr-only'}, `Runners of R${race.meeting_no}C${race.race_no} ${race.venue || ''}, by predicted rank`),
      h('thead', null, h('tr', null,
        h('th', {scope: 'col', class: 'num'}, h('span', {class: 'long'}, 'Rank'), h('abbr', {class: 'short', title: 'Predicted rank'}, '#')),
        h('th', {scope: 'col', class: 'num'}, 'No'), h('th', {scope: 'col'}, 'Horse / jockey'),
        h('th', {scope: 'col'}, 'Win', h('span', {class: 'long'}, ' prob.')), h('th', {scope: 'col', class: 'num'}, 'Odds', h('span', {class: 'mkt-inline'}, ' / mkt')), h('th', {scope: 'col', class: 'num col-market', title: '1/odds normalised over the race'}, 'Market'),
        h('th', {scope: 'col', class: 'num col-edge', title: 'p × odds − 1'}, 'Edge'), h('th', {scope: 'col', class: 'num'}, h('span', {class: 'long'}, 'Finish'), h('abbr', {class: 'short', title: 'Finish position'}, 'Fin.')))),
      h('tbody', null, rows)));
    const foot = [];
    if (isPredicted && probs.length) foot.push(h('span', {'data-testid': 'prob-sum', 'data-sum': sum.toFixed(6)}, `Probabilities sum to ${fmtPct(sum)}`));
    if (pick.length) {
      foot.push(h('span', {'data-testid': 'quinte-ticket'}, 'Quinté+ pick: ', h('strong', {class: 'mono'}, pick.map((r) => r.number).join(' – ')),
        hasResults ? ` · ${hits} of 5 in the first five` : ''));
    }
    if (isNum(race.winner_number)) {
      const w = runners.find((r) => r.number === race.winner_number);
      foot.push(h('span', {'data-testid': 'winner'}, `Winner: No ${race.winner_number}` + (w && isNum(w.predicted_rank) ? ` (our rank ${w.predicted_rank})` : '')));
    }
    return h('article', {class: 'race card' + (race.is_quinte ? ' race-quinte' : ''), id: 'race-' + race.race_id, tabindex: -1,
      'data-testid': 'race', 'data-race-id': race.race_id, 'data-quinte': race.is_quinte ? 'true' : 'false', 'data-predicted': isPredicted ? 'true' : 'false',
      'aria-label': `R${race.meeting_no}C${race.race_no} ${race.venue || ''}`},
    head,
    isPredicted ? null : h('p', {class: 'muted small not-predicted-note'}, 'Not predicted by this model yet: launch a job for this day to rank its runners.'),
    runners.length ? table : null,
    foot.length ? h('p', {class: 'race-foot small'}, ...foot.flatMap((x, i) => (i ? [' · ', x] : [x]))) : null);
  }

  // ---------------------------------------------------------------------------------------
  // Schedules: jobs launched at the fire times of a cron expression (rest-api.md, "Schedules")
  // ---------------------------------------------------------------------------------------
  const DEFAULT_ZONE = 'Europe/Paris';
  const COMMON_ZONES = ['Europe/Paris', 'UTC', 'Europe/London', 'Europe/Dublin', 'Europe/Brussels', 'Europe/Berlin',
    'Europe/Madrid', 'Europe/Rome', 'Europe/Zurich', 'Europe/Stockholm', 'America/New_York', 'America/Chicago',
    'America/Los_Angeles', 'America/Martinique', 'Indian/Reunion', 'Pacific/Noumea', 'Asia/Hong_Kong', 'Asia/Tokyo',
    'Australia/Sydney'];
  // A schedule is addressed by its id: the API reads a key of digits only as an id, so a
  // schedule named "12" could not be reached by its name.
  const schedulePath = (id) => '/api/schedules/' + enc(String(id));
  // The template keys the form sets; any other key of an edited template is kept as it is.
  const SCHED_FORM_KEYS = ['date', 'from', 'to', 'all', 'workers', 'chunk_size', 'priority', 'retries'];
  const SCHED_NUMBERS = [
    {name: 'workers', id: 'sf-workers', min: -1, max: 256, message: 'Workers must be -1 (all cores) or 1 to 256', check: (n) => n !== 0},
    {name: 'chunk_size', id: 'sf-chunk', min: 1, max: 100000, message: 'Chunk size must be 1 to 100000'},
    {name: 'priority', id: 'sf-priority', min: -1000, max: 1000, message: 'Priority must be -1000 to 1000'},
    {name: 'retries', id: 'sf-retries', min: 0, max: 10, message: 'Retries must be 0 to 10'},
  ];
  const SCHED_FIELDS = ['sf-name', 'sf-cron', 'sf-zone', 'sf-grace', 'sf-date', 'sf-from', 'sf-to', ...SCHED_NUMBERS.map((f) => f.id)];
  const SCHED_NAME_RE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
  const MAX_GRACE_MINUTES = 7 * 24 * 60;

  const SC = {
    list: [],
    loaded: false,
    gen: 0,                   // the latest list request; an older answer is dropped
    timer: null,
    expanded: new Set(),      // ids of the schedules whose last runs are shown
    editing: null,            // the id of the schedule in the form, null for a new one
    editOptions: null,        // its template, for the keys the form does not show
    touched: new Set(),
    submitted: false,
    serverErrors: {},         // field id -> the server's message, until the field changes
    previewGen: 0,
    previewTimer: null,
    focusAfter: null,         // an id to scroll to once listed
  };

  // A UTC time in the schedule's zone: "2026-11-28 20:00:00 CET".
  const zoneFormats = new Map();
  function fmtInZone(v, zone) {
    const ms = parseTime(v);
    if (ms === null) return DASH;
    let format = zoneFormats.get(zone);
    if (format === undefined) {
      try {
        format = new Intl.DateTimeFormat('en-GB', {timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
          hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short'});
      } catch (_) { format = null; }
      zoneFormats.set(zone, format);
    }
    if (!format) return fmtTime(v) + ' UTC';
    const p = Object.fromEntries(format.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName || ''}`.trim();
  }
  function fmtUntil(ms) {
    const sec = Math.round((ms - Date.now()) / 1000);
    if (sec < 0) return 'due now';
    if (sec < 60) return 'in less than a minute';
    const min = Math.floor(sec / 60);
    if (min < 60) return `in ${min} min`;
    const hours = Math.floor(min / 60);
    if (hours < 48) return `in ${hours} h ${String(min % 60).padStart(2, '0')} min`;
    return `in ${Math.floor(hours / 24)} days`;
  }
  function untilSpan(utc) {
    const ms = parseTime(utc);
    return ms === null ? null : h('span', {class: 'until muted small', 'data-until': String(ms)}, fmtUntil(ms));
  }
  function updateUntil() {
    for (const el of $$('#panel-schedules [data-until]')) {
      const text = fmtUntil(Number(el.dataset.until));
      if (el.textContent !== text) el.textContent = text;
    }
  }

  function templateOf(schedule) {
    return schedule && schedule.options && typeof schedule.options === 'object' && !Array.isArray(schedule.options) ? schedule.options : {};
  }
  function templateSummary(o) {
    const again = !!(o.all || o.force_reprediction);
    let what;
    if (Array.isArray(o.race_ids) && o.race_ids.length) what = `${fmtInt(o.race_ids.length)} race id${o.race_ids.length === 1 ? '' : 's'}`;
    else if (o.date) what = `${again ? 'all' : 'unpredicted'} races of ${o.date}`;
    else if (o.from || o.to) what = `${again ? 'all' : 'unpredicted'} races from ${o.from || 'the first day'} to ${o.to || 'the last day'}`;
    else what = again ? 'all races, predicted again' : 'unpredicted races';
    const extra = [];
    for (const [key, label] of [['workers', 'workers'], ['chunk_size', 'chunk'], ['priority', 'priority'], ['retries', 'retries'],
      ['model_id', 'model'], ['limit', 'at most'], ['max_memory_mb', 'memory MB']]) {
      if (o[key] !== undefined && o[key] !== null) extra.push(`${label} ${o[key]}`);
    }
    return [what, ...extra].join(' · ');
  }
  const RUN_TEXT = {launched: 'launched', launching: 'launching', skipped: 'skipped', failed: 'failed'};
  function runBadge(run, testid) {
    return h('span', {class: 'badge run-' + run.status, 'data-testid': testid}, RUN_TEXT[run.status] || run.status);
  }
  function jobLink(id, testid) {
    return h('a', {href: '#job/' + enc(id), class: 'job-link', 'data-testid': testid}, id);
  }
  // The state of a run's job, when the page knows it (the event stream brings every job's changes).
  function runJobState(run) {
    const job = run.job_id ? S.jobs.get(run.job_id) : null;
    return job ? statusBadge(job) : null;
  }
  function lastRunsOf(schedule) {
    const runs = Array.isArray(schedule.last_runs) ? schedule.last_runs.slice() : [];
    return runs.sort((a, b) => (a.fire_time < b.fire_time ? 1 : a.fire_time > b.fire_time ? -1 : 0));
  }

  // ----- the list
  async function loadSchedules() {
    const gen = ++SC.gen;
    try {
      const answer = await api('GET', '/api/schedules');
      if (gen !== SC.gen) return;
      SC.list = answer.schedules || [];
      SC.loaded = true;
      $('#schedules-error').textContent = '';
      $('#schedules-updated').textContent = 'Updated ' + new Date().toLocaleTimeString('en-GB');
      renderScheduleList();
    } catch (err) {
      if (gen !== SC.gen || err.status === 401) return;
      $('#schedules-error').textContent = 'The schedules could not be loaded: ' + err.message;
    }
  }
  // A schedule as an action answered it, shown at once (a list request in flight is dropped).
  function upsertSchedule(schedule) {
    if (!schedule || !isNum(schedule.id)) return;
    SC.gen++;
    const index = SC.list.findIndex((x) => x.id === schedule.id);
    if (index >= 0) SC.list[index] = schedule;
    else SC.list.push(schedule);
    SC.list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    renderScheduleList();
  }
  function removeSchedule(id) {
    SC.gen++;
    SC.list = SC.list.filter((x) => x.id !== id);
    SC.expanded.delete(id);
    renderScheduleList();
  }

  function startScheduleRefresh() {
    if (SC.timer) return;
    SC.timer = setInterval(() => {
      if (S.view === 'schedules' && document.visibilityState === 'visible' && !S.needToken) loadSchedules();
    }, 10000);
  }
  function stopScheduleRefresh() {
    if (SC.timer) { clearInterval(SC.timer); SC.timer = null; }
  }

  function renderScheduleList() {
    const table = $('.schedules-table');
    $('#schedules-empty').hidden = !SC.loaded || SC.list.length > 0;
    table.hidden = SC.loaded && SC.list.length === 0;
    // One <tbody> per schedule: its row and the row of its last runs, kept in name order.
    const existing = new Map(Array.from(table.tBodies).map((el) => [el.dataset.key, el]));
    let anchor = table.tHead;
    for (const schedule of SC.list) {
      const key = String(schedule.id);
      let body = existing.get(key);
      if (body) existing.delete(key);
      else { body = h('tbody', {class: 'schedule', 'data-testid': 'schedule'}); body.dataset.key = key; }
      updateScheduleBody(body, schedule);
      if (anchor.nextElementSibling !== body) table.insertBefore(body, anchor.nextElementSibling);
      anchor = body;
    }
    for (const el of existing.values()) el.remove();
    updateUntil();
    if (SC.focusAfter !== null) {
      const body = table.querySelector(`tbody[data-key="${SC.focusAfter}"]`);
      if (body) { SC.focusAfter = null; body.scrollIntoView({block: 'nearest'}); }
    }
  }

  function updateScheduleBody(body, schedule) {
    const runs = lastRunsOf(schedule);
    const expanded = SC.expanded.has(schedule.id);
    const sig = JSON.stringify(schedule) + '|' + expanded + '|' + runs.map((r) => (r.job_id && S.jobs.get(r.job_id) || {}).status).join(',');
    if (body.dataset.sig === sig) return;
    body.dataset.sig = sig;
    const state = schedule.paused ? 'paused' : 'active';
    body.dataset.name = schedule.name;
    body.dataset.state = state;
    const zone = schedule.time_zone;
    const runsId = 'schedule-runs-' + schedule.id;
    const nextLocal = (schedule.next_fire_times_local || [])[0];
    const nextUtc = (schedule.next_fire_times || [])[0];
    const last = runs[0];
    const pauseButton = schedule.paused
      ? h('button', {type: 'button', class: 'btn btn-sm', 'data-testid': 'schedule-resume', onclick: (e) => scheduleAction(schedule, 'resume', e.currentTarget)}, 'Resume')
      : h('button', {type: 'button', class: 'btn btn-sm', 'data-testid': 'schedule-pause', onclick: (e) => scheduleAction(schedule, 'pause', e.currentTarget)}, 'Pause');
    const row = h('tr', {class: 'schedule-row' + (schedule.paused ? ' is-paused' : ''), 'data-testid': 'schedule-row'},
      h('td', {class: 'cell-name', 'data-label': 'Name'},
        h('span', {class: 'sched-name mono', 'data-testid': 'schedule-name'}, schedule.name),
        h('div', {class: 'small muted', 'data-testid': 'schedule-template'}, templateSummary(templateOf(schedule)),
          ` · grace ${fmtInt(Math.round((schedule.grace_seconds ?? 0) / 60))} min`)),
      h('td', {'data-label': 'Cron'},
        h('code', {class: 'cron', 'data-testid': 'schedule-cron'}, schedule.cron),
        h('div', {class: 'small', 'data-testid': 'schedule-description'}, schedule.description || '')),
      h('td', {class: 'nowrap', 'data-label': 'Time zone', 'data-testid': 'schedule-zone'}, zone),
      h('td', {'data-label': 'State'}, h('span', {class: 'badge sched-' + state, 'data-testid': 'schedule-state'}, state)),
      h('td', {'data-label': 'Next fire time', class: schedule.paused ? 'muted' : null,
        title: schedule.paused ? 'Paused: nothing fires until it is resumed' : nextUtc ? nextUtc + ' (UTC)' : null},
      nextLocal ? [h('span', {class: 'nowrap', 'data-testid': 'schedule-next'}, nextLocal), ' ',
        schedule.paused ? h('span', {class: 'small'}, '(paused)') : untilSpan(nextUtc)]
        : h('span', {'data-testid': 'schedule-next'}, 'never')),
      h('td', {'data-label': 'Last run', 'data-testid': 'schedule-last-run'},
        last ? [runBadge(last, 'last-run-status'), ' ', h('span', {class: 'nowrap small', 'data-testid': 'last-run-time', title: last.fire_time}, fmtInZone(last.fire_time, zone)),
          last.job_id ? h('div', {class: 'last-run-job'}, jobLink(last.job_id, 'last-run-job'), ' ', runJobState(last)) : null,
          last.reason ? h('div', {class: 'small muted', 'data-testid': 'last-run-reason'}, last.reason) : null,
          h('button', {type: 'button', class: 'btn btn-sm btn-toggle', 'aria-expanded': expanded ? 'true' : 'false', 'aria-controls': runsId,
            'data-testid': 'schedule-runs-toggle', onclick: () => toggleRuns(schedule.id)},
          h('span', {class: 'caret', 'aria-hidden': 'true'}, expanded ? '▾' : '▸'), `Last runs (${runs.length})`)]
          : h('span', {class: 'muted'}, 'not run yet')),
      h('td', {class: 'cell-actions'}, h('div', {class: 'btn-group sched-actions'},
        pauseButton,
        h('button', {type: 'button', class: 'btn btn-sm', 'data-testid': 'schedule-run-now', onclick: (e) => runScheduleNow(schedule, e.currentTarget)}, 'Run now'),
        h('button', {type: 'button', class: 'btn btn-sm', 'data-testid': 'schedule-edit', onclick: () => openScheduleForm(schedule)}, 'Edit'),
        h('button', {type: 'button', class: 'btn btn-sm btn-danger-outline', 'data-testid': 'schedule-delete', onclick: (e) => deleteSchedule(schedule, e.currentTarget)}, 'Delete'))));
    const runsRow = h('tr', {class: 'schedule-runs', id: runsId, 'data-testid': 'schedule-runs', hidden: !(expanded && runs.length)},
      h('td', {colspan: 7}, runs.length
        ? h('div', {class: 'table-wrap'}, h('table', {class: 'table compact runs-table'},
          h('caption', {class: 'sr-only'}, `Last runs of ${schedule.name}, newest first`),
          h('thead', null, h('tr', null, h('th', {scope: 'col'}, `Fire time (${zone})`), h('th', {scope: 'col'}, 'Status'),
            h('th', {scope: 'col'}, 'Job'), h('th', {scope: 'col'}, 'Reason'))),
          h('tbody', null, runs.map((run) => h('tr', {'data-testid': 'schedule-run', 'data-status': run.status, 'data-job-id': run.job_id || ''},
            h('td', {class: 'nowrap', 'data-label': 'Fire time', 'data-testid': 'run-fire-time', title: run.fire_time}, fmtInZone(run.fire_time, zone)),
            h('td', {'data-label': 'Status'}, runBadge(run, 'run-status')),
            h('td', {'data-label': 'Job'}, run.job_id ? [jobLink(run.job_id, 'run-job'), ' ', runJobState(run)] : DASH),
            h('td', {'data-label': 'Reason', 'data-testid': 'run-reason'}, run.reason || DASH))))))
        : h('p', {class: 'muted small', 'data-testid': 'schedule-no-runs'}, 'Not run yet: its runs are listed here, the newest first.')));
    // Keyboard focus on a button of this schedule stays on its like after the rebuild.
    const focused = body.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    fill(body, row, runsRow);
    if (focused) {
      const again = body.querySelector(`[data-testid="${focused}"]`) ||
        body.querySelector(focused === 'schedule-pause' ? '[data-testid="schedule-resume"]' : focused === 'schedule-resume' ? '[data-testid="schedule-pause"]' : null);
      if (again) again.focus();
    }
  }

  function toggleRuns(id) {
    if (SC.expanded.has(id)) SC.expanded.delete(id); else SC.expanded.add(id);
    renderScheduleList();
  }

  // ----- the actions
  function setNotice(kind, ...parts) {
    const box = $('#schedule-notice');
    box.hidden = false;
    box.dataset.kind = kind;
    fill(box, h('span', {class: 'notice-text'}, ...parts),
      h('button', {type: 'button', class: 'toast-close', 'aria-label': 'Dismiss', onclick: () => { box.hidden = true; fill(box); }}, '×'));
  }

  async function scheduleRequest(button, fn) {
    if (button) button.disabled = true;
    try { return await fn(); }
    catch (err) {
      if (err.status !== 401) toast(err.message, {kind: 'error'});
      if (err.status === 404) loadSchedules();
      return null;
    } finally { if (button && button.isConnected) button.disabled = false; }
  }
  function scheduleAction(schedule, action, button) {
    return scheduleRequest(button, async () => {
      const answer = await api('POST', schedulePath(schedule.id) + '/' + action, {});
      upsertSchedule(answer);
      if (action === 'pause') setNotice('info', `Schedule ${answer.name} paused: nothing fires until it is resumed.`);
      else {
        const next = (answer.next_fire_times_local || [])[0];
        setNotice('info', `Schedule ${answer.name} resumed: it fires again from now` + (next ? `, next at ${next}.` : '.'));
      }
      loadSchedules();
    });
  }
  function runScheduleNow(schedule, button) {
    return scheduleRequest(button, async () => {
      const answer = await api('POST', schedulePath(schedule.id) + '/run-now', {});
      S.seenActive.add(answer.job_id);
      setNotice('ok', `Schedule ${schedule.name} ran now: job `, jobLink(answer.job_id, 'run-now-job'), ' launched.');
      loadSchedules();
    });
  }
  async function deleteSchedule(schedule, button) {
    const ok = await confirmDialog('Delete this schedule?',
      `Schedule ${schedule.name} (${schedule.cron}, ${schedule.description || ''}) and the record of its runs will be deleted. The jobs it launched stay.`, 'Delete');
    if (!ok) return;
    await scheduleRequest(button, async () => {
      await api('DELETE', schedulePath(schedule.id), {});
      removeSchedule(schedule.id);
      if (SC.editing === schedule.id) closeScheduleForm(false);
      setNotice('info', `Schedule ${schedule.name} deleted; the jobs it launched stay.`);
      loadSchedules();
    });
  }

  // ----- the form
  function schedMode() { return ($('input[name="sched_mode"]:checked') || {}).value || 'unpredicted'; }
  function showSchedModeFields() {
    const mode = schedMode();
    for (const box of $$('.sched-mode-fields')) box.hidden = !box.dataset.mode.split(' ').includes(mode);
  }

  // A template day: today, tomorrow, yesterday, +N, -N (days from the fire time's day) or YYYY-MM-DD.
  function parseSchedDay(text, required) {
    const raw = String(text ?? '').trim();
    if (raw === '') return required ? {error: 'Enter the day: today, tomorrow, yesterday, +N, -N or YYYY-MM-DD.'} : {value: undefined};
    const value = /^(today|tomorrow|yesterday)$/i.test(raw) ? raw.toLowerCase() : raw;
    if (/^(today|tomorrow|yesterday)$/.test(value)) return {value, offset: {today: 0, tomorrow: 1, yesterday: -1}[value]};
    if (/^[+-]\d+$/.test(value)) {
      const n = Number(value.slice(1));
      if (n > 3660) return {error: `'${value}': at most 3660 days before or after.`};
      return {value, offset: value[0] === '-' ? -n : n};
    }
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return isRealDay(value) ? {value, date: value} : {error: `'${value}' is not a real calendar day.`};
    return {error: `'${value.length > 24 ? value.slice(0, 24) + '…' : value}' is not today, tomorrow, yesterday, +N, -N or a date YYYY-MM-DD.`};
  }

  function readScheduleForm() {
    const errors = {};
    const body = {};
    if (SC.editing === null) {
      const name = $('#sf-name').value.trim();
      if (!name) errors['sf-name'] = 'Enter a name.';
      else if (name.length > 80) errors['sf-name'] = 'A schedule name has at most 80 characters.';
      else if (!SCHED_NAME_RE.test(name)) {
        errors['sf-name'] = name[0] === '.' ? 'A schedule name cannot start with a dot.'
          : `A schedule name may hold letters, digits, '_', '-' and '.' only (position ${Array.from(name).findIndex((ch) => !/[A-Za-z0-9_.-]/.test(ch)) + 1}).`;
      } else body.name = name;
    }
    const cron = $('#sf-cron').value.trim();
    if (!cron) errors['sf-cron'] = 'Enter a cron expression, e.g. 0 20 * * *.';
    else body.cron = cron;
    body.time_zone = $('#sf-zone').value.trim() || DEFAULT_ZONE;
    const grace = $('#sf-grace').value.trim();
    if (grace !== '') {
      if (!/^\d+(\.\d+)?$/.test(grace)) errors['sf-grace'] = `'${grace}' is not a number of minutes (0 to ${MAX_GRACE_MINUTES}).`;
      else if (Number(grace) > MAX_GRACE_MINUTES) errors['sf-grace'] = `The grace window is 0 to ${MAX_GRACE_MINUTES} minutes (7 days).`;
      else body.grace_seconds = Math.round(Number(grace) * 60);
    }
    // The template: the edited schedule's keys that the form does not show, then the form's.
    const options = {};
    if (SC.editing !== null && SC.editOptions) {
      for (const [key, value] of Object.entries(SC.editOptions)) if (!SCHED_FORM_KEYS.includes(key)) options[key] = value;
    }
    const mode = schedMode();
    if (mode === 'all') options.all = true;
    if (mode === 'date') {
      const r = parseSchedDay($('#sf-date').value, true);
      if (r.error) errors['sf-date'] = r.error; else options.date = r.value;
    }
    if (mode === 'range') {
      const a = parseSchedDay($('#sf-from').value, false);
      const b = parseSchedDay($('#sf-to').value, false);
      if (a.error) errors['sf-from'] = a.error; else if (a.value) options.from = a.value;
      if (b.error) errors['sf-to'] = b.error; else if (b.value) options.to = b.value;
      if (!a.error && !b.error) {
        if (!a.value && !b.value) errors['sf-from'] = 'Give a first day, a last day, or both.';
        else if ((a.date && b.date && b.date < a.date) || (isNum(a.offset) && isNum(b.offset) && b.offset < a.offset)) {
          errors['sf-to'] = `The last day (${b.value}) is before the first day (${a.value}).`;
        }
      }
    }
    if ((mode === 'date' || mode === 'range') && $('#sf-again').checked) options.all = true;
    for (const f of SCHED_NUMBERS) {
      const r = parseInteger($('#' + f.id).value, f.min, f.max, f.message);
      if (!r.error && r.value !== undefined && f.check && !f.check(r.value)) r.error = f.message + `, not ${r.value}.`;
      if (r.error) errors[f.id] = r.error;
      else if (r.value !== undefined) options[f.name] = r.value;
    }
    body.options = options;
    return {body, errors};
  }

  function showScheduleErrors(errors) {
    for (const id of SCHED_FIELDS) {
      const input = $('#' + id);
      const visible = SC.submitted || SC.touched.has(id);
      const message = (visible ? errors[id] : '') || SC.serverErrors[id] || '';
      $('#' + id + '-error').textContent = message;
      if (message) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
    }
  }

  // The field a 400 of an add or an edit is about, from its message.
  function scheduleErrorField(message) {
    if (/^(a )?schedule name|^a schedule's name|^a schedule named/.test(message)) return 'sf-name';
    if (/^cron/.test(message)) return 'sf-cron';
    if (/^time zone/.test(message)) return 'sf-zone';
    if (/^grace/.test(message)) return 'sf-grace';
    if (/^schedule template: --from .* is after --to/.test(message)) return 'sf-to';
    const m = /^schedule template: (date|from|to|workers|chunk_size|priority|retries)\b/.exec(message);
    if (!m) return null;
    const id = {date: 'sf-date', from: 'sf-from', to: 'sf-to', chunk_size: 'sf-chunk'}[m[1]] || 'sf-' + m[1];
    const box = $('#' + id);
    return box && !box.closest('[hidden]') ? id : null;
  }

  function scheduleCronPreview() {
    clearTimeout(SC.previewTimer);
    const box = $('#sf-cron-preview');
    const cron = $('#sf-cron').value.trim();
    const zone = $('#sf-zone').value.trim() || DEFAULT_ZONE;
    const gen = ++SC.previewGen;
    box.dataset.cron = cron;
    if (!cron) {
      box.dataset.state = 'empty';
      fill(box, h('span', {class: 'muted'}, 'Type a cron expression to read it in words and see its next fire times.'));
      return;
    }
    box.dataset.state = 'loading';
    box.classList.add('stale');
    SC.previewTimer = setTimeout(() => runCronPreview(cron, zone, gen), 300);
  }
  async function runCronPreview(cron, zone, gen) {
    const box = $('#sf-cron-preview');
    try {
      const answer = await api('POST', '/api/schedules/preview', {cron, time_zone: zone, count: 5});
      if (gen !== SC.previewGen) return;
      box.classList.remove('stale');
      box.dataset.state = 'ok';
      const local = answer.next_fire_times_local || [];
      const utc = answer.next_fire_times || [];
      fill(box,
        h('p', {class: 'cron-words'}, h('span', {class: 'muted'}, 'Fires '), h('strong', {'data-testid': 'cron-description'}, answer.description)),
        local.length
          ? [h('p', {class: 'small muted'}, `Next ${local.length === 1 ? 'fire time' : local.length + ' fire times'}, in ${answer.time_zone}:`),
            h('ol', {class: 'cron-next', 'data-testid': 'cron-next'}, local.map((text, i) => h('li', {'data-testid': 'cron-next-time', title: utc[i] ? utc[i] + ' (UTC)' : null},
              h('span', {class: 'mono', 'data-testid': 'cron-next-local'}, text), ' ', untilSpan(utc[i]))))]
          : h('p', {class: 'warn', 'data-testid': 'cron-never'}, 'It never fires: no such day in the next eight years.'));
    } catch (err) {
      if (gen !== SC.previewGen) return;
      box.classList.remove('stale');
      box.dataset.state = 'error';
      fill(box, h('p', {class: 'form-error', 'data-testid': 'cron-preview-error'}, err.status === 401 ? 'A token is needed.' : err.message));
    }
  }

  function fillZones() {
    const own = (() => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (_) { return null; } })();
    const zones = own && !COMMON_ZONES.includes(own) ? [...COMMON_ZONES, own] : COMMON_ZONES;
    fill($('#zones-list'), ...zones.map((z) => h('option', {value: z}, z === own ? 'this browser\'s zone' : null)));
  }

  function openScheduleForm(schedule) {
    SC.editing = schedule ? schedule.id : null;
    SC.editOptions = schedule ? templateOf(schedule) : null;
    SC.touched.clear();
    SC.serverErrors = {};
    SC.submitted = false;
    const o = schedule ? templateOf(schedule) : {};
    const name = $('#sf-name');
    name.value = schedule ? schedule.name : '';
    name.readOnly = !!schedule;
    if (schedule) name.setAttribute('aria-readonly', 'true'); else name.removeAttribute('aria-readonly');
    $('#sf-name-hint').textContent = schedule ? 'A schedule\'s name cannot change: add a new schedule for another name.'
      : 'letters, digits, _ - . (up to 80); the ids of its jobs start with it. It cannot change later.';
    $('#sf-cron').value = schedule ? schedule.cron : '';
    $('#sf-zone').value = schedule ? schedule.time_zone : DEFAULT_ZONE;
    $('#sf-grace').value = schedule ? String(Number(((schedule.grace_seconds ?? 3600) / 60).toFixed(2))) : '60';
    const mode = o.date ? 'date' : (o.from || o.to) ? 'range' : o.all ? 'all' : 'unpredicted';
    for (const radio of $$('input[name="sched_mode"]')) radio.checked = radio.value === mode;
    $('#sf-date').value = typeof o.date === 'string' ? o.date : '';
    $('#sf-from').value = typeof o.from === 'string' ? o.from : '';
    $('#sf-to').value = typeof o.to === 'string' ? o.to : '';
    $('#sf-again').checked = mode !== 'all' && !!o.all;
    for (const f of SCHED_NUMBERS) $('#' + f.id).value = o[f.name] === undefined || o[f.name] === null ? '' : String(o[f.name]);
    const kept = Object.entries(o).filter(([key]) => !SCHED_FORM_KEYS.includes(key));
    const keptBox = $('#sf-kept');
    keptBox.hidden = kept.length === 0;
    keptBox.textContent = kept.length ? 'Also in the template, kept as they are: ' + kept.map(([k, v]) => `${k} ${configValue(k, v)}`).join(' · ') + '.' : '';
    $('#schedule-form-title').textContent = schedule ? `Edit schedule ${schedule.name}` : 'New schedule';
    $('#schedule-submit').textContent = schedule ? 'Save changes' : 'Add schedule';
    $('#schedule-form-error').textContent = '';
    showSchedModeFields();
    showScheduleErrors({});
    $('#schedule-form-card').hidden = false;
    $('#schedule-form-card').dataset.mode = schedule ? 'edit' : 'add';
    $('#schedule-new').setAttribute('aria-expanded', 'true');
    scheduleCronPreview();
    $('#schedule-form-card').scrollIntoView({block: 'nearest'});
    (schedule ? $('#sf-cron') : name).focus();
  }
  function closeScheduleForm(focusNew = true) {
    clearTimeout(SC.previewTimer);
    SC.previewGen++;
    SC.editing = null;
    SC.editOptions = null;
    $('#schedule-form-card').hidden = true;
    $('#schedule-new').setAttribute('aria-expanded', 'false');
    if (focusNew) $('#schedule-new').focus();
  }

  async function submitScheduleForm(event) {
    event.preventDefault();
    SC.submitted = true;
    const {body, errors} = readScheduleForm();
    showScheduleErrors(errors);
    const errorBox = $('#schedule-form-error');
    const first = Object.keys(errors)[0];
    const editing = SC.editing;
    const verb = editing === null ? 'added' : 'saved';
    if (first) {
      errorBox.textContent = `The schedule was not ${verb}: correct the highlighted fields.`;
      $('#' + first).focus();
      return;
    }
    errorBox.textContent = '';
    const button = $('#schedule-submit');
    const label = button.textContent;
    button.disabled = true;
    button.textContent = 'Saving…';
    try {
      const answer = editing === null ? await api('POST', '/api/schedules', body) : await api('POST', schedulePath(editing), body);
      SC.focusAfter = String(answer.id);
      upsertSchedule(answer);
      closeScheduleForm(false);
      const next = (answer.next_fire_times_local || [])[0];
      setNotice('ok', `Schedule ${answer.name} ${verb}: ` + (answer.paused ? 'paused.' : next ? `next fire time ${next}.` : 'it never fires.'));
      loadSchedules();
    } catch (err) {
      if (err.status === 401) return;
      const field = err.status === 400 || err.status === 409 ? scheduleErrorField(err.message) : null;
      if (field) {
        SC.serverErrors[field] = err.message;
        showScheduleErrors({});
        errorBox.textContent = `The schedule was not ${verb}: correct the highlighted field.`;
        $('#' + field).focus();
      } else {
        errorBox.textContent = `The schedule was not ${verb}: ${err.message}`;
      }
      if (err.status === 404) loadSchedules();
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  }

  function setupSchedules() {
    fillZones();
    const form = $('#schedule-form');
    const onEdit = (event) => {
      const target = event.target;
      if (target && target.id) {
        SC.touched.add(target.id);
        delete SC.serverErrors[target.id];
      }
      if (target && target.name === 'sched_mode') showSchedModeFields();
      $('#schedule-form-error').textContent = '';
      showScheduleErrors(readScheduleForm().errors);
      if (target && (target.id === 'sf-cron' || target.id === 'sf-zone') && event.type === 'input') scheduleCronPreview();
    };
    form.addEventListener('input', onEdit);
    form.addEventListener('change', onEdit);
    form.addEventListener('submit', submitScheduleForm);
    $('#schedule-cancel').addEventListener('click', () => closeScheduleForm());
    $('#schedule-new').addEventListener('click', () => openScheduleForm(null));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && S.view === 'schedules' && !S.needToken) loadSchedules();
    });
  }

  // ---------------------------------------------------------------------------------------
  // Tabs and routing (#launch, #active, #history, #schedules, #job/ID, #predictions/DATE, #models)
  // ---------------------------------------------------------------------------------------
  const VIEWS = ['launch', 'active', 'history', 'schedules', 'job', 'predictions', 'models'];
  let routedOnce = false;
  function parseHash() {
    const raw = location.hash.replace(/^#/, '');
    const slash = raw.indexOf('/');
    const view = slash < 0 ? raw : raw.slice(0, slash);
    let arg = slash < 0 ? '' : raw.slice(slash + 1);
    try { arg = decodeURIComponent(arg); } catch (_) { /* keep as is */ }
    return {view: VIEWS.includes(view) ? view : 'launch', arg};
  }
  function go(view, arg) {
    const hash = '#' + view + (arg ? '/' + enc(arg) : '');
    if (location.hash === hash) route(); else location.hash = hash;
  }
  function selectTab(view) {
    S.view = view;
    for (const tab of $$('[role="tab"]')) {
      const on = tab.dataset.view === view;
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
      tab.tabIndex = on ? 0 : -1;
    }
    for (const name of VIEWS) $('#panel-' + name).hidden = name !== view;
    const tab = $(`[role="tab"][data-view="${view}"]`);
    document.title = `${tab ? tab.textContent.replace(/\s+\d+$/, '').trim() : view} — paddock`;
  }
  function route() {
    const {view, arg} = parseHash();
    const entering = S.view !== view || !routedOnce;
    routedOnce = true;
    if (view === 'job' && !arg && !S.jobId) { go('history'); return; }
    selectTab(view);
    if (view !== 'job') stopLogIfHidden();
    if (view !== 'schedules') stopScheduleRefresh();
    switch (view) {
      case 'launch': if (!S.modelsLoaded) loadModels(); schedulePreview(); break;
      case 'active': refreshActive(); renderActive(); break;
      case 'history': loadHistory(); break;
      case 'schedules': loadSchedules(); startScheduleRefresh(); break;
      case 'job': openJob(arg || S.jobId); break;
      case 'predictions': if (!S.modelsLoaded) loadModels(); showPredictions(arg, entering); break;
      case 'models': loadModels(); break;
      default: break;
    }
  }
  function stopLogIfHidden() {
    // Leaving Job detail stops following the log; coming back starts it again.
    if (S.log.jobId) { stopLog(); S.log.jobId = null; }
  }

  function setupTabs() {
    const tablist = $('#tablist');
    tablist.addEventListener('click', (event) => {
      const tab = event.target.closest('[role="tab"]');
      if (!tab) return;
      const view = tab.dataset.view;
      go(view, view === 'job' ? S.jobId : view === 'predictions' ? S.currentDay : '');
    });
    tablist.addEventListener('keydown', (event) => {
      const tabs = $$('[role="tab"]', tablist).filter((t) => !t.hidden);
      const index = tabs.indexOf(document.activeElement);
      if (index < 0) return;
      let next = null;
      if (event.key === 'ArrowRight') next = tabs[(index + 1) % tabs.length];
      else if (event.key === 'ArrowLeft') next = tabs[(index - 1 + tabs.length) % tabs.length];
      else if (event.key === 'Home') next = tabs[0];
      else if (event.key === 'End') next = tabs[tabs.length - 1];
      if (!next) return;
      event.preventDefault();
      next.focus();
      next.click();
    });
    window.addEventListener('hashchange', route);
  }

  // Durations of running jobs tick without waiting for an update.
  function tick() {
    if (S.view === 'schedules') updateUntil();
    if (S.view === 'active') {
      for (const card of $$('#active-list .job-card')) {
        const job = S.jobs.get(card.dataset.key);
        if (job && job.status === 'running') $('[data-testid="stat-elapsed"]', card).textContent = fmtJobDuration(jobDurationSec(job));
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Start
  // ---------------------------------------------------------------------------------------
  function start() {
    setLive('connecting');
    connectEvents();
    loadModels();
    loadDays();
    route();
  }

  function init() {
    setupToken();
    setupTabs();
    setupLaunch();
    setupQueueForm();
    setupHistory();
    setupPredictions();
    setupSchedules();
    setInterval(tick, 1000);
    start();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
