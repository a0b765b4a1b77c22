import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';

const ROOT = process.cwd();

/** The README's "Add a module" blocks, each a whole file whose first line is a comment naming its path. */
function recipeFiles(): { path: string; text: string }[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### Add a module');
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  return [...section.matchAll(/```ts\n(\/\/ (src\/\S+\.ts)\n[\s\S]*?)```/g)].map((match) => ({
    path: match[2],
    text: match[1],
  }));
}

/** Mounts the recipe's feature in the copy's src/app.features.ts, as the README's last step says. */
function registerFeature(appFeatures: string): string {
  const registered = appFeatures
    .replace(/^/, "import { ReportsFeature } from './reports/index.js';\n")
    .replace(/(APP_FEATURES: readonly AppFeature\[\] = \[)/, '$1\n  ReportsFeature,');
  expect(registered).toMatch(/= \[\n {2}ReportsFeature,/);
  return registered;
}

describe('the README recipe "Add a module"', () => {
  it('names a file in every block, and the blocks compile as pasted into this repository', () => {
    const files = recipeFiles();
    expect(files.map((file) => file.path)).toEqual(
      expect.arrayContaining([
        'src/reports/send-report.task.ts',
        'src/reports/reports.module.ts',
        'src/reports/index.ts',
      ]),
    );
    const copy = mkdtempSync(join(tmpdir(), 'readme-recipe-'));
    try {
      // What the application's sources need to compile: themselves, the migrations, the package (ESM).
      for (const entry of ['src', 'migrations', 'package.json']) {
        cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
      }
      symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
      for (const { path, text } of files) {
        mkdirSync(dirname(join(copy, path)), { recursive: true });
        writeFileSync(join(copy, path), text);
      }
      const appFeatures = join(copy, 'src/app.features.ts');
      writeFileSync(appFeatures, registerFeature(readFileSync(appFeatures, 'utf8')));

      const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (file) => ts.sys.readFile(file));
      const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, copy);
      const program = ts.createProgram([...files.map((file) => join(copy, file.path)), appFeatures], {
        ...options,
        noEmit: true,
      });
      const errors = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
        const where = diagnostic.file ? `${diagnostic.file.fileName.slice(copy.length + 1)}: ` : '';
        return where + ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      });
      expect(errors).toEqual([]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 120_000);
});
