import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { APP_FEATURES } from '../../src/app.features.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { storedTasks } from '../support/task-rows.js';
import { ChildWorker } from '../support/child-worker.js';
import { ConsoleTestTasksModule } from '../support/console-test-tasks.js';
import { StubbornTask, stubbornTaskReturns } from '../support/test-tasks.js';
import { TEST_ADMIN_TOKENS, TEST_USERS } from '../support/http-client.js';
import { baseUrl } from '../support/sse-client.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join('test-artifacts', 'dashboard');
const ITEMS = 3_000;

/** Debian's chromium, which `.ci/run` installs: in CI the suite always runs; elsewhere it needs the package. */
const describeWithChromium = existsSync(CHROMIUM) || process.env.CI ? describe : describe.skip;

describeWithChromium('the admin dashboard in Chromium', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let context: BrowserContext;
  let page: Page;
  let profile: string;

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const row = (taskId: string) => page.locator(`tr[data-task-id="${taskId}"]`);
  /** The id in the notice "<what> started: task <id>." that the click just produced. */
  const startedTaskId = async (what: string) => {
    const text = await page
      .getByRole('status')
      .filter({ hasText: `${what} started: task` })
      .textContent();
    return /task ([0-9a-f-]{36})/.exec(text ?? '')![1];
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    db = await TestDatabase.create('sqlite');
    app = await createTestApp(db, {
      env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS, SEED_DEMO_ITEMS: String(ITEMS) },
      imports: [ConsoleTestTasksModule],
    });
    await app.listen(0, '127.0.0.1');
    profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 180_000); // seeding the articles and launching Chromium: minutes on a busy machine

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await app?.close();
    await db?.dispose();
  });

  it('signs in with a token typed once, from the keyboard, and says who is signed in', async () => {
    await page.goto(`${baseUrl(app)}/admin`);
    await page.getByLabel('API token').waitFor();
    // The sign-in screen offers no "Sign out", and the tab has its icon.
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(false);
    expect((await fetch(`${baseUrl(app)}/favicon.ico`)).status).toBe(200);
    await page.getByLabel('API token').fill('not-a-valid-token');
    await page.keyboard.press('Enter');
    await page.getByText('This token is not valid.').waitFor();

    await page.getByLabel('API token').fill(TEST_USERS.root);
    await page.keyboard.press('Enter');
    await page.getByText('Signed in as root (admin)').waitFor();
    // An admin starts on the overview; the task list is one link away, from the keyboard too.
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('link', { name: 'Tasks', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Live updates on').waitFor();
    // Kept for the browser session: a reload does not ask again.
    await page.reload();
    await page.getByText('Live updates on').waitFor();
    await shot('1-signed-in');
  });

  it('starts an export of articles, whose bar fills live to 100 %, and downloads the CSV', async () => {
    await page.getByLabel('Content type').first().selectOption('articles');
    await page.getByRole('button', { name: 'Start export' }).click();
    const taskId = await startedTaskId('Export of articles');
    const task = row(taskId);
    await task.waitFor();
    // Every value the bar takes, as the page's own live updates set it (nothing here reloads or polls).
    // Browser code is passed as text: this project's TypeScript has no DOM types.
    await page.evaluate(`(() => {
      const seen = (window.seen = []);
      const record = () => {
        const bar = document.querySelector('tr[data-task-id="${taskId}"] progress');
        if (bar && seen.at(-1) !== bar.value) seen.push(bar.value);
      };
      record();
      new MutationObserver(record).observe(document.getElementById('task-rows'), {
        subtree: true, attributes: true, childList: true, characterData: true,
      });
    })()`);
    await task.locator('.status', { hasText: 'completed' }).waitFor({ timeout: 30_000 });
    await task.getByText('100 %').waitFor();
    expect(await task.locator('progress').getAttribute('value')).toBe('100');
    const seen = await page.evaluate<number[]>('window.seen');
    expect(seen.at(-1)).toBe(100);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    await task.getByRole('cell', { name: /^1 of \d+$/ }).waitFor();
    await shot('2-export-completed');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      task.getByRole('button', { name: /^Download cms\.export-content-items/ }).click(),
    ]);
    const file = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(file);
    const csv = readFileSync(file, 'utf8');
    expect(csv.startsWith('\uFEFFid,createdAt,updatedAt')).toBe(true);
    expect(csv.trimEnd().split('\r\n')).toHaveLength(ITEMS + 1);
  });

  it('cancels a long task while it runs', async () => {
    // Started over the API (the test module's task, not the demo's: either feature may be removed).
    const started = await fetch(`${baseUrl(app)}/api/test-tasks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_USERS.root}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ steps: 200, stepMs: 500 }),
    });
    const { taskId } = (await started.json()) as { taskId: string };
    const task = row(taskId);
    await task.locator('.status', { hasText: 'processing' }).waitFor();
    await task.locator('.info', { hasText: /Step [2-9] of 200/ }).waitFor();
    await shot('3-task-running');
    await task.getByRole('button', { name: /^Cancel test\.ticks/ }).click();
    await task.locator('.status', { hasText: 'cancelled' }).waitFor({ timeout: 30_000 });
    await task.getByRole('button', { name: /^Retry test\.ticks/ }).waitFor();
    await shot('4-task-cancelled');
  });

  it('filters by status and stays readable on a phone', async () => {
    await page.getByLabel('Status', { exact: true }).selectOption('cancelled');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    // (Counted from here: the page's CSP refuses the string waitForFunction would evaluate in it.)
    await eventually(async () => (await page.locator('tr[data-task-id]').count()) === 1);
    await page.locator('tr[data-task-id] .status', { hasText: 'cancelled' }).waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('5-phone');
    // The cards keep every value, each with its label.
    const cells = await Promise.all(
      (await page.locator('tr[data-task-id] td').all()).map((td) => td.getAttribute('data-label')),
    );
    expect(cells).toEqual([
      'Task',
      'Status',
      'Progress',
      'Step',
      'Status info',
      'Attempts',
      'Times',
      'Actions',
    ]);
  });

  /** Starts the test module's task of `steps` steps over the API; its id. */
  const startTicks = async (steps: number, stepMs: number) => {
    const started = await fetch(`${baseUrl(app)}/api/test-tasks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_USERS.root}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ steps, stepMs }),
    });
    return ((await started.json()) as { taskId: string }).taskId;
  };
  const apiGet = async <T>(path: string) =>
    (await (
      await fetch(`${baseUrl(app)}${path}`, { headers: { Authorization: `Bearer ${TEST_USERS.root}` } })
    ).json()) as T;
  const tileCount = async (status: string) =>
    Number(
      (await page.locator(`.tile[data-status="${status}"] .tile-count`).textContent())!.replace(/\D/g, ''),
    );

  it('shows an overview whose counts change when tasks end', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.locator('.tile[data-status="completed"]').waitFor();
    const before = await tileCount('completed');
    const taskId = await startTicks(3, 50);
    await eventually(async () => (await tileCount('completed')) === before + 1, 30_000, 200);
    expect((await apiGet<{ status: string }>(`/api/background-tasks/${taskId}`)).status).toBe('completed');
    await page.getByText(/completed and \d+ failed in the last hour/).waitFor();
    await page.locator('tr[data-name="test.ticks"]').waitFor();
    await shot('6-overview');
  });

  it('follows a running task to its end on its own page', async () => {
    // Runs until this test releases it, however slow the machine: the page surely sees it running.
    const taskId = await app
      .get(BackgroundTaskQueue)
      .enqueue(StubbornTask, { ms: 600_000 }, { createdBy: 'root' });
    await page.goto(`${baseUrl(app)}/admin#task/${taskId}`);
    await page.getByRole('heading', { name: `test.stubborn ${taskId}` }).waitFor();
    await page.locator('#task-status', { hasText: 'processing' }).waitFor({ timeout: 30_000 });
    await page.locator('dd[data-fact="Attempts"]', { hasText: /^1 of \d+$/ }).waitFor();
    // Its flow: no key, its name's limits (none) and pause, and what it waits for.
    await page.locator('dd[data-fact="Concurrency key"]', { hasText: 'none' }).waitFor();
    await page.locator('dd[data-fact="Its name"]', { hasText: 'no limits; not paused' }).waitFor();
    await page.locator('dd[data-fact="Waits for"]', { hasText: 'Nothing: it runs' }).waitFor();
    await page.getByRole('button', { name: /^Cancel test\.stubborn/ }).waitFor();
    await shot('7-task-running');
    stubbornTaskReturns.emit('release', taskId);
    await page.locator('#task-status', { hasText: 'completed' }).waitFor({ timeout: 60_000 });
    await page.locator('#task-percent', { hasText: '100 %' }).waitFor();
    await page.locator('dd[data-fact="Waits for"]', { hasText: 'Nothing: it has ended' }).waitFor();
    // Its input, shown to its creator; times relative, exact on hover.
    await page.getByRole('heading', { name: 'Metadata' }).waitFor();
    const finished = page.locator('dd[data-fact="Finished"] time');
    expect(await finished.getAttribute('title')).toBeTruthy();
    expect(await finished.textContent()).toMatch(/ago|now/);
  });

  it('runs a recurring task now, and pauses and resumes a queue with its switch', async () => {
    await page.getByRole('link', { name: 'Recurring' }).click();
    const recurring = page.locator('tr[data-name="test.yearly-report"]');
    await recurring.getByText('0 0 1 1 * (Asia/Tokyo)').waitFor();
    await recurring.getByRole('button', { name: 'Run test.yearly-report now' }).click();
    const text = await page
      .getByRole('status')
      .filter({ hasText: 'test.yearly-report enqueued: task' })
      .textContent();
    const taskId = /task ([0-9a-f-]{36})/.exec(text ?? '')![1];
    await eventually(
      async () =>
        (await apiGet<{ status: string }>(`/api/background-tasks/${taskId}`)).status === 'completed',
    );
    await recurring.getByRole('link', { name: /completed|processing|enqueued/ }).waitFor();
    await shot('8-recurring');

    await page.getByRole('link', { name: 'Queues' }).click();
    const toggle = page.getByRole('switch', { name: 'Paused: test.ticks' });
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    await toggle.click();
    await page.getByText('test.ticks is paused.').waitFor();
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    const queues = await apiGet<{ items: { name: string; paused: boolean }[] }>('/api/task-queues');
    expect(queues.items.find((queue) => queue.name === 'test.ticks')?.paused).toBe(true);
    await shot('9-queues');
    await toggle.click();
    await page.getByText('test.ticks is running again.').waitFor();
    expect(await toggle.getAttribute('aria-checked')).toBe('false');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.locator('.tile[data-status="completed"]').waitFor();
    await shot('10-overview-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('lists the worker processes: a killed one is shown as gone, warned of, then disappears', async () => {
    // A worker process with a 2 s lease: gone 2 s after it is killed, removed 20 s after.
    const child = await ChildWorker.start({ ...db.env, LEASE_DURATION: '2s', WORKER_CONCURRENCY: '3' });
    try {
      await page.getByRole('link', { name: 'Workers' }).click();
      const childRow = (state = '') =>
        page.locator(`tr[data-pid="${child.pid}"]${state && `[data-state="${state}"]`}`);
      await childRow('live').getByText('0 of 3').waitFor();
      await page.locator(`tr[data-pid="${process.pid}"][data-state="live"]`).getByText('all').waitFor();

      await child.stop('SIGKILL');
      await childRow('gone').waitFor({ timeout: 60_000 }); // the page reloads every 5 s
      await shot('11-workers');
      await page.getByRole('link', { name: 'Overview' }).click();
      await page
        .getByRole('alert')
        .getByText(/1 worker has stopped writing a heartbeat/)
        .waitFor();
      await page.getByRole('link', { name: 'Workers' }).click();
      await childRow().waitFor({ state: 'detached', timeout: 90_000 });
    } finally {
      await child.stop('SIGKILL');
    }
  });

  it('retries 10,000 failed tasks in bulk from the queues page, and their failed count reaches zero', async () => {
    const name = 'test.noop';
    const store = app.get(TaskStore);
    // 10,000 failed tasks, as workers would have left them; paused while they are written, so that the
    // worker does not run them first.
    await store.setPaused(name, true, 'root');
    await storedTasks(store, name, 10_000);
    await db.sql(
      `UPDATE ${db.table('background_tasks')} SET status = 'failed', attempts = 1, completed_at = ?, error = ? WHERE name = ?`,
      [new Date().toISOString(), '{"code":"BROKEN","message":"failed on purpose"}', name],
    );
    await store.setPaused(name, false, 'root');

    await page.getByRole('link', { name: 'Queues' }).click();
    const failedCell = page.locator(`tr[data-name="${name}"] td`).nth(3);
    await failedCell.getByText('10,000', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('combobox', { name: 'Action' }).selectOption('retry');
    await page.getByRole('combobox', { name: 'Task name' }).selectOption(name);
    await page.getByRole('button', { name: 'Count' }).click();
    await page.getByText(`10,000 failed tasks of ${name} match now.`).waitFor();
    await shot('12-bulk-form');

    page.once('dialog', (dialog) => {
      expect(dialog.message()).toBe(`Retry 10,000 failed tasks of ${name}?`);
      void dialog.accept();
    });
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByText(`Retry of 10,000 failed tasks of ${name} started:`).waitFor();
    await page.getByRole('link', { name: 'follow it' }).click();
    await page.getByRole('heading', { name: /^background-tasks\.bulk / }).waitFor();
    await page.locator('#task-status', { hasText: 'completed' }).waitFor({ timeout: 120_000 });
    await page.locator('#task-percent', { hasText: '100 %' }).waitFor();
    await page.getByText('Retried 10,000 of 10,000 task(s)').first().waitFor();
    await shot('13-bulk-task');

    // The retried tasks run again (and succeed, this time), and the queue shows none failed.
    await eventually(
      async () => (await db.count('name = ? AND status = ?', [name, 'completed'])) === 10_000,
      180_000,
      500,
    );
    await page.getByRole('link', { name: 'Queues' }).click();
    await failedCell.getByText('0', { exact: true }).waitFor({ timeout: 30_000 });
  }, 300_000);

  /** The start buttons each feature's forms have; the cases follow src/app.features.ts as it stands. */
  const START_BUTTONS: Record<string, string[]> = {
    content: ['Start export', 'Start import'],
    demo: ['Start demo task'],
  };
  it.each([
    ...APP_FEATURES.map((feature) => [feature.name, [feature]] as const),
    ['no feature', []] as const,
  ])('mounting only %s, shows the start forms of the features present and no other', async (_, features) => {
    const buttons = features.flatMap((feature) => START_BUTTONS[feature.name] ?? []);
    const smaller = await createTestApp(db, { env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS }, features });
    try {
      await smaller.listen(0, '127.0.0.1');
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${baseUrl(smaller)}/admin#tasks`); // another origin: signs in afresh
      await page.getByLabel('API token').fill(TEST_USERS.root);
      await page.keyboard.press('Enter');
      await page.getByText('Live updates on').waitFor(); // the list and its stream work
      const visible = await page.getByRole('button', { name: /^Start / }).allTextContents();
      expect(visible).toEqual(buttons);
      expect(await page.getByRole('heading', { name: 'Start a task' }).isVisible()).toBe(buttons.length > 0);
    } finally {
      await page.goto('about:blank'); // ends the page's event stream, which would hold the server open
      await smaller.close();
    }
  });
});
