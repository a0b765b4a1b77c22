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
};

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
  $('app').hidden = true;
  $('signed-in').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message;
  $('token').value = '';
  $('token').focus();
}

async function start() {
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('signed-in').hidden = false;
  $('signed-in-as').textContent = 'Signed in';
  await Promise.all([showFeatureForms(), loadPage()]);
  await openStream();
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
  cells[0].querySelector('.task-name').textContent = task.name;
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
    const time = document.createElement('time');
    time.dateTime = at;
    time.textContent = new Date(at).toLocaleString();
    line.append(`${what} `, time);
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
    if (isNewer(task, row.task)) updateRow(row, task);
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
    source.addEventListener('resync', () => scheduleReload(0));
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
$('export-form').addEventListener('submit', onExport);
$('import-form').addEventListener('submit', onImport);
$('demo-form').addEventListener('submit', onDemo);
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
