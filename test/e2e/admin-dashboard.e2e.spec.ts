import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { TEST_ADMIN_TOKENS, TEST_USERS } from '../support/http-client.js';
import { baseUrl } from '../support/sse-client.js';
import { createTestApp } from '../support/test-app.js';
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

  it('signs in with a token typed once, from the keyboard', async () => {
    await page.goto(`${baseUrl(app)}/admin`);
    await page.getByLabel('API token').fill('not-a-valid-token');
    await page.keyboard.press('Enter');
    await page.getByText('This token is not valid.').waitFor();

    await page.getByLabel('API token').fill(TEST_USERS.root);
    await page.keyboard.press('Enter');
    await page.getByText('Signed in').waitFor();
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

  it('cancels a long demo task while it runs', async () => {
    await page.getByLabel('Steps').fill('200');
    await page.getByLabel('Milliseconds per step').fill('500');
    await page.getByRole('button', { name: 'Start demo task' }).click();
    const taskId = await startedTaskId('Demo task');
    const task = row(taskId);
    await task.locator('.status', { hasText: 'processing' }).waitFor();
    await task.locator('.info', { hasText: /Step [2-9] of 200/ }).waitFor();
    await shot('3-demo-running');
    await task.getByRole('button', { name: /^Cancel demo\.countdown/ }).click();
    await task.locator('.status', { hasText: 'cancelled' }).waitFor({ timeout: 30_000 });
    await task.getByRole('button', { name: /^Retry demo\.countdown/ }).waitFor();
    await shot('4-demo-cancelled');
  });

  it('filters by status and stays readable on a phone', async () => {
    await page.getByLabel('Status', { exact: true }).selectOption('cancelled');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForFunction(`document.querySelectorAll('tr[data-task-id]').length === 1`);
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
});
