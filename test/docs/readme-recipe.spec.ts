import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';

const ROOT = process.cwd();

/** The README's "Add your own task" blocks, each a whole file whose first line is a comment naming its path. */
function recipeFiles(): { path: string; text: string }[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### Add your own task');
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  return [...section.matchAll(/```ts\n(\/\/ (src\/\S+\.ts)\n[\s\S]*?)```/g)].map((match) => ({
    path: match[2],
    text: match[1],
  }));
}

/** Registers the recipe's modules in the copy's AppModule, as the README's last step says. */
function registerModules(appModule: string): string {
  const registered = appModule
    .replace(/^/, "import { ReportsModule } from './reports/reports.module.js';\n")
    .replace(/^/, "import { ReportsHttpModule } from './reports/reports-http.module.js';\n")
    .replace(/(\n\s+)DemoModule,/, '$1DemoModule,$1ReportsModule,')
    .replace(/(const httpModules = [^\]]*)\]/, '$1, ReportsHttpModule]');
  expect(registered).toContain('ReportsModule,');
  expect(registered).toContain(', ReportsHttpModule]');
  return registered;
}

describe('the README recipe "Add your own task"', () => {
  it('names a file in every block, and the blocks compile as pasted into this repository', () => {
    const files = recipeFiles();
    expect(files.map((file) => file.path)).toEqual(
      expect.arrayContaining(['src/reports/send-report.task.ts', 'src/reports/reports.module.ts']),
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
      const appModule = join(copy, 'src/app.module.ts');
      writeFileSync(appModule, registerModules(readFileSync(appModule, 'utf8')));

      const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (file) => ts.sys.readFile(file));
      const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, copy);
      const program = ts.createProgram([...files.map((file) => join(copy, file.path)), appModule], {
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
