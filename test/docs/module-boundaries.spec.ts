import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { boundaryRules } from '../../eslint.boundaries.js';

/** Lints one file's text with the module-boundary rule alone, as eslint.config.js applies it to src/. */
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: process.cwd(),
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, rules: boundaryRules },
    ],
  });
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((message) => message.message);
}

describe('module boundaries', () => {
  it('refuses an import of another module’s internals, naming its public entry point', async () => {
    const errors = await boundaryErrors(
      'src/reports/reports.module.ts',
      "import { TaskStore } from '../background-tasks/storage/task-store.js';\n" +
        "import { ApiUserDirectory } from '../auth/api-user-directory.js';\n",
    );
    expect(errors).toEqual([
      expect.stringContaining(
        'Import background-tasks through its public API, src/background-tasks/index.ts',
      ),
      expect.stringContaining('Import auth through its public API, src/auth/index.ts'),
    ]);
  });

  it('lets a module import another through its index, and its own files as it likes', async () => {
    expect(
      await boundaryErrors(
        'src/reports/reports.module.ts',
        "import { BackgroundTasksModule } from '../background-tasks/index.js';\n" +
          "import { ReportService } from './report.service.js';\n",
      ),
    ).toEqual([]);
  });
});
