// The admin dashboard: plain ES module, no build step. Everything it shows comes from the public API with
// the token the user entered (kept in sessionStorage: this tab only, gone when it closes). Task text is
// always set with textContent, never parsed as HTML.

const TOKEN_KEY = 'cms-admin.token';
const PAGE_SIZE = 20;
const FINAL = new Set(['completed', 'failed', 'cancelled']);

const $ = (id) => document.getElementById(id);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  filter: { status: '', name: '' },
  /** The cursor of each page shown so far: pages[0] is the newest. */
  cursors: [undefined],
  page: 0,
  nextCursor: null,
  rows: new Map(),
  source: null,
  reconnectTimer: undefined,
  reloadTimer: undefined,
  /** The task page's task name's queue (GET /api/task-queues), for admins: its pause and limits. */
  taskQueue: undefined,
  /** Who signed in (GET /api/me): editors see the task list and task pages only. */
  user: null,
  view: null,
  /** The task the task page shows, as last loaded (metadata included) and updated by events. */
  task: null,
  viewTimer: undefined,
  viewReloadPending: false,
};

/** The views only admins may open (their APIs answer 403 to others). */
const ADMIN_VIEWS = new Set(['overview', 'queues', 'recurring', 'workers']);
/** How often an open view reloads besides the live events (a fallback, and the chart's clock). */
const VIEW_REFRESH_MS = { overview: 10_000, queues: 10_000, recurring: 15_000, workers: 5_000, task: 5_000 };

class ApiError extends Error {}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: `Bearer ${state.token}`, ...(options.headers ?? {}) },
  });
  if (response.status === 401) {
    signOut('The token was refused. Sign in again.');
    throw new ApiError('The token was refused');
  }
  return response;
}

async function json(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
    throw new ApiError(message ?? `${response.status} ${response.statusText}`);
  }
  return body;
}

function notice(text, isError = false) {
  const element = $('notice');
  element.textContent = text;
  element.classList.toggle('error', isError);
}

// --- Signing in and out -------------------------------------------------------------------------------

async function signIn(token) {
  state.token = token;
  const response = await fetch('/api/background-tasks?limit=1', {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) {
    state.token = null;
    throw new ApiError(
      response.status === 401 ? 'This token is not valid.' : `The server answered ${response.status}.`,
    );
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  await start();
}

function signOut(message = '') {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  closeStream();
  clearTimeout(state.viewTimer);
  state.user = null;
  $('app').hidden = true;
  $('console-nav').hidden = true;
  $('signed-in').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message;
  $('token').value = '';
  $('token').focus();
}

async function start() {
  state.user = await json(await api('/api/me'));
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('signed-in').hidden = false;
  $('signed-in-as').textContent = `Signed in as ${state.user.name} (${state.user.role})`;
  const isAdmin = state.user.role === 'admin';
  for (const link of $('console-nav').querySelectorAll('a')) {
    link.hidden = ADMIN_VIEWS.has(link.dataset.view) && !isAdmin;
  }
  $('console-nav').hidden = false;
  await Promise.all([showFeatureForms(), loadPage()]);
  await route(false);
  await openStream();
}

// --- Views: #overview, #tasks, #queues, #recurring, #workers, #task/<id> ---------------------------------------

function viewOfHash() {
  const hash = location.hash.slice(1);
  const task = /^task\/([0-9a-f-]{36})$/.exec(hash);
  if (task) return { view: 'task', taskId: task[1] };
  const isAdmin = state.user?.role === 'admin';
  if ((hash === 'tasks' || ADMIN_VIEWS.has(hash)) && (isAdmin || !ADMIN_VIEWS.has(hash))) {
    return { view: hash };
  }
  return { view: isAdmin ? 'overview' : 'tasks' };
}

/** Shows the view the address names; `moveFocus` after a click, so that a screen reader hears the page. */
async function route(moveFocus = true) {
  if (!state.user) return;
  const { view, taskId } = viewOfHash();
  state.view = view;
  if (view !== 'task') state.task = null;
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== `view-${view}`;
  for (const link of $('console-nav').querySelectorAll('a')) {
    if (link.dataset.view === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (view === 'task') state.taskId = taskId;
  await loadView();
  if (moveFocus) document.querySelector(`#view-${view} h2`)?.focus();
}

async function loadView() {
  clearTimeout(state.viewTimer);
  const view = state.view;
  try {
    if (view === 'overview') await loadOverview();
    else if (view === 'queues') await loadQueues();
    else if (view === 'recurring') await loadRecurring();
    else if (view === 'workers') await loadWorkers();
    else if (view === 'task') await loadTask(state.taskId);
  } catch (error) {
    if (!(error instanceof ApiError) || state.token) consoleNotice(`${error.message}`, true);
  }
  if (state.token && state.view === view && VIEW_REFRESH_MS[view]) {
    state.viewTimer = setTimeout(() => void loadView(), VIEW_REFRESH_MS[view]);
  }
}

/** At most one view reload pending: a burst of events reloads the overview once a second. */
function scheduleViewReload() {
  if (state.viewReloadPending) return;
  state.viewReloadPending = true;
  setTimeout(() => {
    state.viewReloadPending = false;
    void loadView();
  }, 1_000);
}

function consoleNotice(text, isError = false) {
  const element = $('console-notice');
  element.textContent = text;
  element.classList.toggle('error', isError);
}

// --- Times: relative, with the exact time on hover and for screen readers ----------------------------

const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const UNITS = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
];

function relativeTime(at, now = Date.now()) {
  const ms = Date.parse(at) - now;
  for (const [unit, size] of UNITS) {
    if (Math.abs(ms) >= size || unit === 'second') return RELATIVE.format(Math.round(ms / size), unit);
  }
  return '';
}

/** A <time> that says "3 minutes ago", and the exact local time in its title and its accessible name. */
function timeElement(at) {
  const time = document.createElement('time');
  time.dateTime = at;
  time.dataset.relative = '';
  const exact = new Date(at).toLocaleString();
  time.title = exact;
  time.setAttribute('aria-label', exact);
  time.textContent = relativeTime(at);
  return time;
}

/** "1 h 5 min", "42 s": how long a wait has lasted. */
function duration(ms) {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} days`;
}

setInterval(() => {
  for (const time of document.querySelectorAll('time[data-relative]')) {
    time.textContent = relativeTime(time.dateTime);
  }
}, 15_000);

function taskLink(id, text = id) {
  const link = document.createElement('a');
  link.href = `#task/${id}`;
  link.textContent = text;
  return link;
}

function textCell(value) {
  const td = document.createElement('td');
  if (value instanceof Node) td.append(value);
  else td.textContent = String(value);
  return td;
}

// --- Overview -----------------------------------------------------------------------------------------

const STATUSES = ['enqueued', 'processing', 'suspended', 'completed', 'failed', 'cancelled'];

async function loadOverview() {
  const overview = await json(await api('/api/background-tasks/overview'));
  if (state.view !== 'overview') return;
  $('status-tiles').replaceChildren(
    ...STATUSES.map((status) => {
      const tile = element('div', `tile status-${status}`);
      tile.dataset.status = status;
      const count = element('span', 'tile-count');
      count.textContent = overview.counts[status].toLocaleString();
      const label = element('span', 'tile-label');
      label.textContent = status;
      tile.append(count, label);
      return tile;
    }),
  );
  const oldest = overview.oldestDue;
  $('oldest-wait').replaceChildren(
    ...(oldest
      ? [
          'Oldest waiting task: ',
          taskLink(oldest.id, oldest.name),
          `, due for ${duration(oldest.waitingMs)} (since `,
          timeElement(oldest.dueSince),
          ').',
        ]
      : ['No task is waiting past its time.']),
  );
  drawEndings(overview.endingsPerMinute);
  $('name-rows').replaceChildren(
    ...overview.byName.map(({ name, counts }) => {
      const tr = document.createElement('tr');
      tr.dataset.name = name;
      const link = document.createElement('a');
      link.href = '#tasks';
      link.textContent = name;
      link.addEventListener('click', () => filterTasksBy(name));
      tr.append(textCell(link), ...STATUSES.map((status) => textCell(counts[status].toLocaleString())));
      return tr;
    }),
  );
  const warnings = overviewWarnings(overview);
  const warning = $('overview-warning');
  warning.hidden = warnings.length === 0;
  warning.replaceChildren(
    ...warnings.map((text) => {
      const line = element('span', 'warning-line');
      line.textContent = text;
      return line;
    }),
  );
}

/** What the overview warns of: no worker while tasks wait, workers gone or stalled, a wait past 5 minutes. */
function overviewWarnings({ oldestDue: oldest, workers }) {
  const warnings = [];
  const plural = (count, one, many) => `${count} ${count === 1 ? one : many}`;
  if (workers.live + workers.stalled === 0 && oldest) {
    warnings.push(
      'No worker is running, and tasks are waiting: start a process with APP_ROLE all or worker.',
    );
  }
  if (workers.gone > 0) {
    warnings.push(
      `${plural(workers.gone, 'worker has', 'workers have')} stopped writing a heartbeat without stopping cleanly (killed, frozen or cut off): see Workers.`,
    );
  }
  if (workers.stalled > 0) {
    warnings.push(
      `${plural(workers.stalled, 'worker is', 'workers are')} stalled: a slot is free but no claim round has answered. See Workers.`,
    );
  }
  if (oldest && oldest.waitingMs > 5 * 60_000) {
    warnings.push(
      `A task has waited ${duration(oldest.waitingMs)} past its time: are the workers running, or is its name paused?`,
    );
  }
  return warnings;
}

/** The last hour as 60 stacked bars (completed below, failed above), drawn with SVG attributes only. */
function drawEndings(minutes) {
  const svg = $('endings-chart');
  const ns = 'http://www.w3.org/2000/svg';
  const highest = Math.max(1, ...minutes.map((minute) => minute.completed + minute.failed));
  const width = 600 / minutes.length;
  const bars = [];
  minutes.forEach((minute, index) => {
    let top = 110;
    for (const [kind, count] of [
      ['completed', minute.completed],
      ['failed', minute.failed],
    ]) {
      if (count === 0) continue;
      const height = (count / highest) * 100;
      top -= height;
      const bar = document.createElementNS(ns, 'rect');
      bar.setAttribute('x', String(index * width + 1));
      bar.setAttribute('y', String(top));
      bar.setAttribute('width', String(width - 2));
      bar.setAttribute('height', String(height));
      bar.setAttribute('class', `bar-${kind}`);
      const title = document.createElementNS(ns, 'title');
      title.textContent = `${new Date(minute.minute).toLocaleTimeString()}: ${count} ${kind}`;
      bar.append(title);
      bars.push(bar);
    }
  });
  const axis = document.createElementNS(ns, 'line');
  for (const [name, value] of Object.entries({ x1: 0, y1: 110, x2: 600, y2: 110 })) {
    axis.setAttribute(name, String(value));
  }
  axis.setAttribute('class', 'axis');
  svg.replaceChildren(axis, ...bars);
  const completed = minutes.reduce((sum, minute) => sum + minute.completed, 0);
  const failed = minutes.reduce((sum, minute) => sum + minute.failed, 0);
  $('endings-summary').textContent =
    `${completed.toLocaleString()} completed and ${failed.toLocaleString()} failed in the last hour; ` +
    `at most ${highest.toLocaleString()} in one minute.`;
}

function filterTasksBy(name) {
  $('filter-name').value = name;
  $('filter-status').value = '';
  $('filter-form').requestSubmit();
}

// --- One task -----------------------------------------------------------------------------------------

async function loadTask(id) {
  const response = await api(`/api/background-tasks/${id}`);
  if (response.status === 404) {
    $('task-detail').hidden = true;
    $('task-missing').hidden = false;
    $('task-missing').textContent = `No task ${id} (or it is not yours to see).`;
    return;
  }
  const task = await json(response);
  // An admin also sees its name's pause and limits (GET /api/task-queues is theirs only).
  const queue =
    state.user.role === 'admin'
      ? (await json(await api('/api/task-queues'))).items.find((item) => item.name === task.name)
      : undefined;
  if (state.view !== 'task' || state.taskId !== id) return;
  state.taskQueue = queue;
  if (state.task && state.task.id === id && !isNewer(task, state.task)) return;
  state.task = task;
  renderTask(task);
}

/** What a task waits for before it (next) runs, from its state and, for admins, its name's queue. */
function waitsFor(task, queue) {
  switch (task.status) {
    case 'enqueued':
      if (new Date(task.runAfter).getTime() > Date.now())
        return ['Its time: due ', timeElement(task.runAfter)];
      if (queue?.paused) return ['Its name to be resumed: ', task.name, ' is paused'];
      if (queue?.limits) return [`A place under its name's limits (${limitsText(queue.limits)})`];
      return ['A worker with a free slot'];
    case 'suspended':
      return task.resumeAt ? ['Its resume time, ', timeElement(task.resumeAt)] : ['A resume request'];
    case 'processing':
      return ['Nothing: it runs'];
    default:
      return ['Nothing: it has ended'];
  }
}

/** A definition list's terms and values (a value: text, a node, or a list of them). */
function factItems(facts) {
  return facts.flatMap(([term, value]) => {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.dataset.fact = term;
    dd.append(
      ...(Array.isArray(value) ? value : [value]).map((part) => (part instanceof Node ? part : String(part))),
    );
    return [dt, dd];
  });
}

function renderTask(task) {
  $('task-missing').hidden = true;
  $('task-detail').hidden = false;
  $('task-heading').textContent = `${task.name} ${task.id}`;
  const status = $('task-status');
  status.textContent = task.status;
  status.className = `status status-${task.status}`;
  $('task-progress').value = task.percentComplete;
  $('task-percent').textContent = `${Math.round(task.percentComplete)} %`;
  const facts = [
    ['Step', task.taskStep ?? '–'],
    ['Status info', task.statusInfo ?? '–'],
    ['Attempts', `${task.attempts} of ${task.maxAttempts}`],
    ['Priority', task.priority],
    ['Created by', task.createdBy ?? '–'],
    ['Created', timeElement(task.createdAt)],
    ['Due', timeElement(task.runAfter)],
    ['Started', task.startedAt ? timeElement(task.startedAt) : '–'],
    ['Finished', task.completedAt ? timeElement(task.completedAt) : '–'],
    ['Resumes', task.resumeAt ? timeElement(task.resumeAt) : '–'],
    ['Updated', timeElement(task.updatedAt)],
  ];
  $('task-facts').replaceChildren(...factItems(facts));
  const queue = state.taskQueue;
  $('task-flow').replaceChildren(
    ...factItems([
      ['Concurrency key', task.concurrencyKey === null ? 'none' : task.concurrencyKey || '(none given)'],
      ...(queue
        ? [
            [
              'Its name',
              [
                `${queue.limits ? limitsText(queue.limits) : 'no limits'}; `,
                queue.paused ? 'paused' : 'not paused',
              ],
            ],
          ]
        : []),
      ['Waits for', waitsFor(task, queue)],
    ]),
  );
  $('task-attempts').replaceChildren(
    ...(task.attemptErrors.length === 0
      ? [
          Object.assign(document.createElement('li'), {
            textContent: 'No attempt has failed.',
            className: 'none',
          }),
        ]
      : task.attemptErrors.map((attempt) => {
          const li = document.createElement('li');
          li.append(`Attempt ${attempt.attempt} failed `, timeElement(attempt.at), ': ');
          const message = element('span', 'task-error');
          message.textContent = attempt.error?.message ?? JSON.stringify(attempt.error);
          li.append(message);
          return li;
        })),
  );
  const blocks = [
    ['Result', task.result],
    ['Error', task.error],
    ['Metadata', task.metadata],
    ['Checkpoint', task.executionMetadata],
  ].filter(([, value]) => value !== undefined && value !== null);
  $('task-json').replaceChildren(
    ...blocks.flatMap(([title, value]) => {
      const heading = document.createElement('h3');
      heading.textContent = title;
      const pre = element('pre', 'json');
      pre.textContent = JSON.stringify(value, null, 2);
      return [heading, pre];
    }),
  );
  // The row of an action button: the task page's buttons act on the task, and have no table row.
  const row = { task, tr: null };
  const label = `${task.name} ${task.id.slice(-8)}`;
  $('task-actions').replaceChildren(
    ...availableActions(task).map((action) => actionButton(action, row, label)),
  );
}

// --- Queues -------------------------------------------------------------------------------------------

function limitsText(limits) {
  if (!limits) return 'none';
  const parts = [];
  if (limits.concurrency) parts.push(`${limits.concurrency} at once`);
  if (limits.concurrencyPerKey) parts.push(`${limits.concurrencyPerKey} per key`);
  if (limits.rateLimit) {
    parts.push(`${limits.rateLimit.max} per ${duration(limits.rateLimit.perMs)} (${limits.rateLimit.scope})`);
  }
  if (limits.fairness === 'key') parts.push('fair by key');
  return parts.join(', ') || 'none';
}

/** A switch: pressed is paused. Its label names the task, so that a list of switches is told apart. */
function pauseSwitch(name, paused, onChanged) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary pause-switch';
  button.setAttribute('role', 'switch');
  button.setAttribute('aria-checked', String(paused));
  button.setAttribute('aria-label', `Paused: ${name}`);
  button.textContent = paused ? 'Paused' : 'Running';
  button.addEventListener('click', async () => {
    const action = button.getAttribute('aria-checked') === 'true' ? 'resume' : 'pause';
    button.disabled = true;
    try {
      const queue = await json(
        await api(`/api/task-queues/${encodeURIComponent(name)}/${action}`, { method: 'POST' }),
      );
      button.setAttribute('aria-checked', String(queue.paused));
      button.textContent = queue.paused ? 'Paused' : 'Running';
      consoleNotice(`${name} is ${queue.paused ? 'paused' : 'running again'}.`);
      onChanged?.(queue);
    } catch (error) {
      consoleNotice(`Could not ${action} ${name}: ${error.message}`, true);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

async function loadQueues() {
  const { items } = await json(await api('/api/task-queues'));
  if (state.view !== 'queues') return;
  $('queue-rows').replaceChildren(
    ...items.map((queue) => {
      const tr = document.createElement('tr');
      tr.dataset.name = queue.name;
      const name = document.createElement('span');
      name.textContent = queue.registered ? queue.name : `${queue.name} (not registered)`;
      tr.append(
        textCell(name),
        textCell(queue.counts.enqueued.toLocaleString()),
        textCell(queue.counts.processing.toLocaleString()),
        textCell(queue.counts.failed.toLocaleString()),
        textCell(limitsText(queue.limits)),
        textCell(pauseSwitch(queue.name, queue.paused)),
      );
      return tr;
    }),
  );
  fillBulkNames(items.map((queue) => queue.name));
}

/** The names the bulk form offers: the queues' names, the choice made kept across reloads. */
function fillBulkNames(names) {
  const select = $('bulk-name');
  const chosen = select.value;
  select.replaceChildren(new Option('All names', ''), ...names.map((name) => new Option(name, name)));
  select.value = names.includes(chosen) ? chosen : '';
}

// --- Bulk operations (POST /api/background-tasks/bulk, on the queues page) ----------------------------

const BULK_SUBJECT = { retry: 'failed', cancel: 'waiting', delete: 'finished' };
const BULK_VERB = { retry: 'Retry', cancel: 'Cancel', delete: 'Delete' };

function bulkResult(content, isError = false) {
  const element = $('bulk-result');
  element.replaceChildren(...content);
  element.classList.toggle('error', isError);
}

/** The form as a request; a dry run counts and changes nothing. */
async function bulkRequest(dryRun) {
  const action = $('bulk-action').value;
  const body = { action, dryRun };
  if ($('bulk-name').value) body.name = $('bulk-name').value;
  if (action === 'delete' && $('bulk-before').value) {
    // datetime-local has no zone: it is the browser's local time, sent as UTC.
    body.finishedBefore = new Date($('bulk-before').value).toISOString();
  }
  return json(
    await api('/api/background-tasks/bulk', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

const bulkCount = ({ action, name, matching }) =>
  `${matching.toLocaleString()} ${BULK_SUBJECT[action]} task${matching === 1 ? '' : 's'}${name ? ` of ${name}` : ''}`;

async function onBulkCount() {
  try {
    bulkResult([`${bulkCount(await bulkRequest(true))} match now.`]);
  } catch (error) {
    bulkResult([`Could not count: ${error.message}`], true);
  }
}

/** Counts first and asks, then starts the operation and links to its task, whose page follows it live. */
async function onBulkStart(event) {
  event.preventDefault();
  try {
    const count = await bulkRequest(true);
    if (count.matching === 0) return bulkResult([`Nothing to do: ${bulkCount(count)} match.`]);
    if (!window.confirm(`${BULK_VERB[count.action]} ${bulkCount(count)}?`)) return undefined;
    const { taskId } = await bulkRequest(false);
    bulkResult([
      `${BULK_VERB[count.action]} of ${bulkCount(count)} started: `,
      taskLink(taskId, 'follow it'),
      '.',
    ]);
  } catch (error) {
    bulkResult([`Could not start: ${error.message}`], true);
  }
  return undefined;
}

// --- Workers ------------------------------------------------------------------------------------------

const WORKER_STATE_LABELS = { live: 'live', stalled: 'stalled', gone: 'gone' };

async function loadWorkers() {
  const { items } = await json(await api('/api/workers'));
  if (state.view !== 'workers') return;
  $('workers-empty').hidden = items.length > 0;
  $('worker-rows').replaceChildren(
    ...items.map((worker) => {
      const tr = document.createElement('tr');
      tr.dataset.pid = String(worker.pid);
      tr.dataset.state = worker.state;
      const who = document.createElement('span');
      who.textContent = `${worker.host} · ${worker.pid}`;
      who.title = worker.id;
      const stateBadge = element('span', `status worker-${worker.state}`);
      stateBadge.textContent = WORKER_STATE_LABELS[worker.state];
      const running = document.createElement('span');
      if (worker.running.length === 0) running.textContent = 'none';
      worker.running.forEach((task, index) => {
        if (index > 0) running.append(', ');
        running.append(taskLink(task.id, task.name));
      });
      tr.append(
        textCell(who),
        textCell(worker.role),
        textCell(stateBadge),
        textCell(`${worker.slotsInUse} of ${worker.concurrency}`),
        textCell(worker.prefetched.toLocaleString()),
        textCell(timeElement(worker.startedAt)),
        textCell(timeElement(worker.lastSeenAt)),
        textCell(running),
      );
      return tr;
    }),
  );
}

// --- Recurring tasks ----------------------------------------------------------------------------------

async function loadRecurring() {
  const { items } = await json(await api('/api/recurring-tasks'));
  if (state.view !== 'recurring') return;
  $('recurring-empty').hidden = items.length > 0;
  $('recurring-rows').replaceChildren(
    ...items.map((task) => {
      const tr = document.createElement('tr');
      tr.dataset.name = task.name;
      const schedule = document.createElement('code');
      schedule.textContent = `${task.cron}${task.timeZone ? ` (${task.timeZone})` : ''}`;
      const last = document.createElement('span');
      if (task.lastRun) {
        last.append(taskLink(task.lastRun.id, task.lastRun.status), ' ', timeElement(task.lastRun.createdAt));
      } else last.textContent = 'never';
      const run = document.createElement('button');
      run.type = 'button';
      run.textContent = 'Run now';
      run.setAttribute('aria-label', `Run ${task.name} now`);
      run.addEventListener('click', async () => {
        try {
          const { taskId } = await json(
            await api(`/api/recurring-tasks/${encodeURIComponent(task.name)}/run`, { method: 'POST' }),
          );
          consoleNotice(`${task.name} enqueued: task ${taskId}.`);
          await loadRecurring();
        } catch (error) {
          consoleNotice(`Could not run ${task.name}: ${error.message}`, true);
        }
      });
      const actions = element('div', 'actions');
      actions.append(run, pauseSwitch(task.name, task.paused));
      tr.append(
        textCell(task.name),
        textCell(schedule),
        textCell(timeElement(task.nextSlot)),
        textCell(last),
      );
      tr.append(textCell(actions));
      return tr;
    }),
  );
}

// --- Starting tasks -----------------------------------------------------------------------------------

/**
 * Shows the start forms of the features this server has (GET /admin/features: src/app.features.ts), so
 * that the page works with the demo or the CMS removed; without any, the whole section stays hidden.
 */
async function showFeatureForms() {
  const { features } = await json(await api('/admin/features'));
  const forms = [...document.querySelectorAll('form[data-feature]')];
  for (const form of forms) form.hidden = !features.includes(form.dataset.feature);
  $('start').hidden = forms.every((form) => form.hidden);
  if (features.includes('content')) await loadContentTypes();
}

async function loadContentTypes() {
  const types = await json(await api('/api/content-types'));
  for (const select of [$('export-type'), $('import-type')]) {
    select.replaceChildren(
      ...types.map((type) => new Option(`${type.labelPlural} (${type.developerName})`, type.developerName)),
    );
  }
}

async function startTask(path, init, what) {
  try {
    const { taskId } = await json(await api(path, { method: 'POST', ...init }));
    notice(`${what} started: task ${taskId}.`);
  } catch (error) {
    notice(`${what} could not start: ${error.message}`, true);
  }
}

function onExport(event) {
  event.preventDefault();
  const type = $('export-type').value;
  return startTask(
    `/api/content-types/${encodeURIComponent(type)}/exports`,
    { headers: { 'Content-Type': 'application/json' }, body: '{}' },
    `Export of ${type}`,
  );
}

function onImport(event) {
  event.preventDefault();
  const type = $('import-type').value;
  const body = new FormData();
  body.set('file', $('import-file').files[0]);
  body.set('mode', $('import-mode').value);
  return startTask(`/api/content-types/${encodeURIComponent(type)}/imports`, { body }, `Import into ${type}`);
}

function onDemo(event) {
  event.preventDefault();
  const body = JSON.stringify({
    steps: Number($('demo-steps').value),
    stepMs: Number($('demo-step-ms').value),
  });
  return startTask('/api/demo-tasks', { headers: { 'Content-Type': 'application/json' }, body }, 'Demo task');
}

// --- The task list ------------------------------------------------------------------------------------

async function loadPage() {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (state.filter.status) params.set('status', state.filter.status);
  if (state.filter.name) params.set('name', state.filter.name);
  const cursor = state.cursors[state.page];
  if (cursor) params.set('cursor', cursor);
  try {
    const page = await json(await api(`/api/background-tasks?${params}`));
    state.nextCursor = page.nextCursor;
    // A live update that arrived while this page was loading is newer than the page's copy: keep it.
    const shown = page.items.map((task) => {
      const known = state.rows.get(task.id)?.task;
      return known && isNewer(known, task) ? known : task;
    });
    state.rows.clear();
    $('task-rows').replaceChildren(...shown.map((task) => createRow(task)));
    $('empty').hidden = page.items.length > 0;
    $('newer').disabled = state.page === 0;
    $('older').disabled = !page.nextCursor;
    $('page-label').textContent = `Page ${state.page + 1}`;
  } catch (error) {
    if (!(error instanceof ApiError) || state.token)
      notice(`The task list could not load: ${error.message}`, true);
  }
}

function matchesFilter(task) {
  return (
    (!state.filter.status || task.status === state.filter.status) &&
    (!state.filter.name || task.name === state.filter.name)
  );
}

/** A cell with one container inside, so that on phones the label and the value sit side by side. */
function cell(label, ...content) {
  const td = document.createElement('td');
  td.dataset.label = label;
  const value = element('div', 'value');
  value.append(...content);
  td.append(value);
  return td;
}

function createRow(task) {
  const tr = document.createElement('tr');
  tr.dataset.taskId = task.id;
  const bar = document.createElement('progress');
  bar.max = 100;
  const progress = element('div', 'progress');
  progress.append(bar, element('span', 'percent'));
  tr.append(
    cell('Task', element('div', 'task-name'), element('div', 'task-id')),
    cell('Status', element('span', 'status')),
    cell('Progress', progress),
    cell('Step'),
    cell('Status info', element('div', 'info'), element('div', 'task-error')),
    cell('Attempts'),
    cell('Times'),
    cell('Actions', element('div', 'actions')),
  );
  const row = { tr, task: null, actionsKey: '' };
  state.rows.set(task.id, row);
  updateRow(row, task);
  return tr;
}

function element(tag, className) {
  const node = document.createElement(tag);
  node.className = className;
  return node;
}

function updateRow(row, task) {
  row.task = task;
  const cells = [...row.tr.children].map((td) => td.firstElementChild);
  const label = `${task.name} ${task.id.slice(-8)}`;
  cells[0].querySelector('.task-name').replaceChildren(taskLink(task.id, task.name));
  cells[0].querySelector('.task-id').textContent = task.id;
  const status = cells[1].querySelector('.status');
  status.textContent = task.status;
  status.className = `status status-${task.status}`;
  const percent = Math.round(task.percentComplete);
  const bar = cells[2].querySelector('progress');
  bar.value = task.percentComplete;
  bar.setAttribute('aria-label', `Progress of ${label}`);
  cells[2].querySelector('.percent').textContent = `${percent} %`;
  cells[3].textContent = task.taskStep ?? '–';
  cells[4].querySelector('.info').textContent = task.statusInfo ?? '';
  cells[4].querySelector('.task-error').textContent = task.error?.message ?? '';
  cells[5].textContent = `${task.attempts} of ${task.maxAttempts}`;
  cells[6].replaceChildren(...times(task));
  const actions = availableActions(task);
  const key = actions.join(',');
  if (key !== row.actionsKey) {
    row.actionsKey = key;
    const container = cells[7].querySelector('.actions');
    const focused = container.contains(document.activeElement)
      ? document.activeElement.dataset.action
      : undefined;
    container.replaceChildren(...actions.map((action) => actionButton(action, row, label)));
    // Keyboard users keep their place when a live update replaces the buttons.
    const refocus =
      container.querySelector(`[data-action="${focused}"]`) ?? container.querySelector('button');
    if (focused && refocus) refocus.focus();
  }
}

function times(task) {
  const lines = [
    ['Created', task.createdAt],
    ['Started', task.startedAt],
    ['Finished', task.completedAt],
  ].filter(([, at]) => at);
  return lines.map(([what, at]) => {
    const line = element('div', 'times');
    line.append(`${what} `, timeElement(at));
    return line;
  });
}

function availableActions(task) {
  const actions = [];
  if (!FINAL.has(task.status)) actions.push('cancel');
  if (task.status === 'suspended') actions.push('resume');
  if (task.status === 'failed' || task.status === 'cancelled') actions.push('retry');
  if (task.status === 'completed' && task.result?.fileName) actions.push('download');
  return actions;
}

const ACTION_LABELS = { cancel: 'Cancel', resume: 'Resume', retry: 'Retry', download: 'Download' };

function actionButton(action, row, label) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = action === 'download' ? '' : 'secondary';
  button.dataset.action = action;
  button.textContent = ACTION_LABELS[action];
  button.setAttribute('aria-label', `${ACTION_LABELS[action]} ${label}`);
  button.addEventListener('click', () => (action === 'download' ? download(row.task) : act(action, row)));
  return button;
}

async function act(action, row) {
  const { id, name } = row.task;
  try {
    const task = await json(await api(`/api/background-tasks/${id}/${action}`, { method: 'POST' }));
    // The live stream may already have shown what came next (a cancellation ending the run, say).
    if (isNewer(task, row.task) && row.tr) updateRow(row, task);
    if (state.view === 'task' && state.task?.id === id && isNewer(task, state.task)) {
      state.task = task;
      renderTask(task);
    }
    notice(
      action === 'cancel' && task.status !== 'cancelled'
        ? `Stopping ${name}…`
        : `${ACTION_LABELS[action]}: ${name} is ${task.status}.`,
    );
  } catch (error) {
    notice(`${ACTION_LABELS[action]} failed: ${error.message}`, true);
  }
}

async function download(task) {
  try {
    const response = await api(`/api/background-tasks/${task.id}/file`);
    if (!response.ok) await json(response);
    const blob = await response.blob();
    const disposition = response.headers.get('Content-Disposition') ?? '';
    const fileName = /filename="([^"]+)"/.exec(disposition)?.[1] ?? task.result.fileName;
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    notice(`Downloaded ${fileName}.`);
  } catch (error) {
    notice(`The download failed: ${error.message}`, true);
  }
}

// --- Live updates -------------------------------------------------------------------------------------

function setLive(text) {
  $('live-state').textContent = text;
}

function closeStream() {
  clearTimeout(state.reconnectTimer);
  state.source?.close();
  state.source = null;
}

/** EventSource sends no headers, so the stream opens with a one-minute stream token in its URL. */
async function openStream() {
  closeStream();
  if (!state.token) return;
  try {
    const { streamToken } = await json(await api('/api/stream-tokens', { method: 'POST' }));
    const params = new URLSearchParams({ streamToken });
    if (state.filter.name) params.set('name', state.filter.name);
    const source = new EventSource(`/api/background-tasks/events?${params}`);
    state.source = source;
    let interrupted = false;
    source.addEventListener('open', () => {
      setLive('Live updates on');
      // Nothing is replayed after a reconnection: what changed meanwhile comes with a reload.
      if (interrupted) scheduleReload(0);
    });
    source.addEventListener('task', (event) => onTaskEvent(JSON.parse(event.data)));
    source.addEventListener('resync', () => {
      scheduleReload(0);
      scheduleViewReload();
    });
    source.addEventListener('error', () => {
      interrupted = true;
      setLive('Reconnecting…');
      // EventSource retries by itself unless the server refused it (e.g. an expired token): then reopen.
      if (source.readyState === EventSource.CLOSED && state.source === source) reconnectSoon();
    });
  } catch {
    if (state.token) reconnectSoon();
  }
}

function reconnectSoon() {
  clearTimeout(state.reconnectTimer);
  state.reconnectTimer = setTimeout(() => {
    void openStream();
    scheduleReload(0);
  }, 2_000);
}

/** At most one reload pending: a busy queue reloads the page every so often, never starves it. */
function scheduleReload(delayMs) {
  state.reloadTimer ??= setTimeout(() => {
    state.reloadTimer = undefined;
    void loadPage();
  }, delayMs);
}

/**
 * Whether `task` is a later state than `current`. Answers, events and page loads can overtake each other;
 * the view never goes back in time, and at the same instant a final status wins.
 */
function isNewer(task, current) {
  const at = Date.parse(task.updatedAt);
  const currentAt = Date.parse(current.updatedAt);
  return at > currentAt || (at === currentAt && (FINAL.has(task.status) || !FINAL.has(current.status)));
}

function onTaskEvent(task) {
  if (state.view === 'task' && state.task?.id === task.id && isNewer(task, state.task)) {
    // Events carry no metadata or checkpoint: keep the loaded ones.
    state.task = { ...state.task, ...task };
    renderTask(state.task);
  } else if (state.view === 'overview' || state.view === 'queues') {
    scheduleViewReload();
  }
  const row = state.rows.get(task.id);
  if (row) {
    if (isNewer(task, row.task)) updateRow(row, task);
  } else if (state.page === 0 && matchesFilter(task)) {
    // A new task: reload the first page so that paging stays consistent.
    scheduleReload(150);
  }
}

// --- Wiring -------------------------------------------------------------------------------------------

$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('sign-in-error').textContent = '';
  try {
    await signIn($('token').value.trim());
  } catch (error) {
    $('sign-in-error').textContent = error.message;
  }
});
$('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', () => void route());
$('export-form').addEventListener('submit', onExport);
$('import-form').addEventListener('submit', onImport);
$('demo-form').addEventListener('submit', onDemo);
$('bulk-form').addEventListener('submit', onBulkStart);
$('bulk-count').addEventListener('click', onBulkCount);
$('bulk-action').addEventListener('change', () => {
  const deleting = $('bulk-action').value === 'delete';
  $('bulk-before-field').hidden = !deleting;
  $('bulk-before').required = deleting;
});
$('filter-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const nameChanged = state.filter.name !== $('filter-name').value.trim();
  state.filter = { status: $('filter-status').value, name: $('filter-name').value.trim() };
  state.cursors = [undefined];
  state.page = 0;
  await loadPage();
  if (nameChanged) await openStream();
});
$('older').addEventListener('click', async () => {
  state.cursors[state.page + 1] = state.nextCursor;
  state.page += 1;
  await loadPage();
});
$('newer').addEventListener('click', async () => {
  state.page = Math.max(0, state.page - 1);
  await loadPage();
});

if (state.token) {
  start().catch(() => signOut('Sign in again.'));
} else {
  signOut();
}
