import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { boundaryRules, taskModuleRules } from '../../eslint.boundaries.js';

/** Lints one file's text with the module-boundary rules alone, as eslint.config.js applies them to src/. */
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: process.cwd(),
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, rules: boundaryRules },
      { files: ['src/background-tasks/**/*.ts'], rules: taskModuleRules },
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

  it('refuses the task module any application module, even through its entry point', async () => {
    const errors = await boundaryErrors(
      'src/background-tasks/queries/example.ts',
      "import type { ApiUser } from '../../auth/index.js';\n" +
        "import { ContentModule } from '../../content/index.js';\n" +
        "import type { ApiUser as Caller } from '../../shared/identity/index.js';\n",
    );
    expect(errors).toEqual([
      expect.stringContaining('The task module imports no application module (auth)'),
      expect.stringContaining('The task module imports no application module (content)'),
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
