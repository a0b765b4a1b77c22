import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import type { App } from 'supertest/types.js';
import { HttpClient, TEST_ADMIN_TOKENS } from '../support/http-client.js';
import { createTestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

const hasLibreOffice = spawnSync('soffice', ['--version'], { encoding: 'utf8' }).status === 0;
const whenLibreOffice = hasLibreOffice ? describe : describe.skip;

/**
 * Opens an export in LibreOffice Calc (headless, with formula evaluation switched ON, the dangerous setting)
 * and saves it again as CSV: every value must come back as text, formulas included. Runs where LibreOffice
 * is installed (Debian: libreoffice-calc-nogui); skipped elsewhere.
 */
whenLibreOffice('an export opened in LibreOffice Calc', () => {
  let db: TestDatabase;
  let app: INestApplication<App>;
  let http: HttpClient;

  beforeAll(async () => {
    db = await TestDatabase.create('sqlite');
    app = await createTestApp(db, { env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS } });
    http = new HttpClient(app);
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  it('reads back every text value, evaluating none of them', async () => {
    const fields = [
      { developerName: 'title', label: 'Title', type: 'text', required: true },
      { developerName: 'body', label: 'Body', type: 'long_text' },
    ];
    await http
      .as('root')
      .post('/api/content-types')
      .send({ developerName: 'memos', labelSingular: 'Memo', labelPlural: 'Memos', fields })
      .expect(201);
    const titles = [
      '=1+1',
      '+1+1',
      '-1+1',
      '@SUM(1;1)',
      '=HYPERLINK("http://x";"y")',
      'comma, "quote"',
      'ünïcödé 😀',
      'plain',
    ];
    for (const title of titles) {
      await http
        .as('alice')
        .post('/api/content-types/memos/items')
        .send({ values: { title, body: `two\r\nlines: ${title}` } })
        .expect(201);
    }
    const started = await http.as('alice').post('/api/content-types/memos/exports').send({}).expect(202);
    const taskId = (started.body as { taskId: string }).taskId;
    await http.finishedTask('alice', taskId);
    const file = await http.download('alice', taskId);

    const directory = mkdtempSync(join(tmpdir(), 'libreoffice-'));
    writeFileSync(join(directory, 'memos.csv'), file);
    // Import: comma, double quote, UTF-8, from line 1, evaluate formulas = true (token 13).
    const importOptions = 'Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,false,true';
    const exportOptions = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1';
    execFileSync(
      'soffice',
      [
        '--headless',
        `-env:UserInstallation=file://${directory}/profile`,
        `--infilter=${importOptions}`,
        '--convert-to',
        exportOptions,
        '--outdir',
        join(directory, 'out'),
        join(directory, 'memos.csv'),
      ],
      { stdio: 'ignore', timeout: 120_000 },
    );
    const saved = readFileSync(join(directory, 'out', 'memos-memos.csv'), 'utf8');
    const rows: string[][] = parse(saved, { bom: true });
    rows.shift(); // the header

    expect(rows.map((row) => row[3])).toEqual(
      titles.map((title) => (/^[=+\-@]/.test(title) ? `'${title}` : title)),
    );
    // Calc keeps line breaks inside a cell as LF.
    expect(rows.map((row) => row[4])).toEqual(titles.map((title) => `two\nlines: ${title}`));
  }, 180_000); // a first headless start of Calc can take two minutes on a busy machine
});
