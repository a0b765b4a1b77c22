// Code generators (plop): `npm run generate` asks; `npm run generate -- <generator> <answers…>` does not.
//   npm run generate -- task <module> <name>                     a background task, registered, and its test
//   npm run generate -- use-case <module> <command|query> <name> handler, controller, DTO, registered, and a test
//   npm run generate -- migration <name> <table>                 one file with the three engines' branches, listed
// Templates are in generators/; README "Generators" shows what each writes. Everything written or changed is
// formatted with the project's Prettier settings, so it passes `npm run lint` as generated.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** A module that generators can add to: its folder, its Nest module and (for use cases) its HTTP module. */
function moduleProblem(module, { http = false } = {}) {
  if (!NAME.test(module)) return `${module}: a module is a folder name in kebab-case, e.g. reports`;
  if (!existsSync(`src/${module}/${module}.module.ts`)) {
    return `src/${module}/${module}.module.ts not found: create the module first (README "Add a module")`;
  }
  if (http && !existsSync(`src/${module}/${module}-http.module.ts`)) {
    return `src/${module}/${module}-http.module.ts not found: a use case's controller goes in the module's HTTP module`;
  }
  return undefined;
}

const validName = (value) => NAME.test(value) || `${value}: a name in kebab-case, e.g. send-digest`;

/** `text` with `import { name } from 'from';` after its last import. */
function withImport(text, name, from) {
  const imports = [...text.matchAll(/^import [\s\S]*?;$/gm)];
  const end = imports.length ? imports.at(-1).index + imports.at(-1)[0].length : 0;
  return `${text.slice(0, end)}\nimport { ${name} } from '${from}';${text.slice(end)}`;
}

/**
 * Adds `entry` (imported from `from`) to the list `const <list> = [ … ];` of a module file, the convention of
 * every module here (`commandHandlers`, `queryHandlers`, `tasks`, `controllers`). A module without that list
 * gets one, spread into its `@Module` `providers`.
 */
function register(file, list, entry, from) {
  let text = withImport(readFileSync(file, 'utf8'), entry, from);
  const declared = new RegExp(`const ${list} = \\[([\\s\\S]*?)\\];`);
  if (declared.test(text)) {
    text = text.replace(declared, (_, items) => {
      const rest = items.trim().replace(/,$/, '');
      return `const ${list} = [${rest ? `${rest}, ` : ''}${entry}];`;
    });
  } else {
    const decorator = text.indexOf('@Module(');
    if (decorator < 0 || !/providers: \[/.test(text))
      throw new Error(`${file}: no @Module({ providers: [...] }) to register ${entry} in`);
    text = `${text.slice(0, decorator)}const ${list} = [${entry}];\n\n${text.slice(decorator)}`;
    text = text.replace(/providers: \[/, `providers: [...${list}, `);
  }
  writeFileSync(file, text);
  return `${file}: ${entry} in ${list}`;
}

/** The last action of every generator: the files it wrote or changed, in the project's format. */
function formatted(paths) {
  return async () => {
    for (const path of paths) {
      const options = await resolveConfig(path);
      writeFileSync(path, await format(readFileSync(path, 'utf8'), { ...options, filepath: path }));
    }
    return `formatted ${paths.length} files`;
  };
}

export default function generators(plop) {
  plop.setGenerator('task', {
    description: 'a background task in a module, registered, with a test that runs it',
    prompts: [
      {
        type: 'input',
        name: 'module',
        message: 'Module (a folder of src/)',
        validate: (m) => moduleProblem(m) ?? true,
      },
      {
        type: 'input',
        name: 'name',
        message: 'Task name (the task is <module>.<name>)',
        validate: validName,
      },
    ],
    actions: ({ module, name }) => {
      const task = `src/${module}/tasks/${name}.task.ts`;
      const spec = `test/${module}/${name}.task.spec.ts`;
      const className = `${plop.getHelper('pascalCase')(name)}Task`;
      return [
        { type: 'add', path: task, templateFile: 'generators/task/task.ts.hbs' },
        { type: 'add', path: spec, templateFile: 'generators/task/task.spec.ts.hbs' },
        () => register(`src/${module}/${module}.module.ts`, 'tasks', className, `./tasks/${name}.task.js`),
        formatted([task, spec, `src/${module}/${module}.module.ts`]),
      ];
    },
  });

  plop.setGenerator('use-case', {
    description: 'a command or a query with its handler, controller and DTO, registered, with an HTTP test',
    prompts: [
      {
        type: 'input',
        name: 'module',
        message: 'Module (a folder of src/)',
        validate: (m) => moduleProblem(m, { http: true }) ?? true,
      },
      { type: 'list', name: 'kind', message: 'Command or query', choices: ['command', 'query'] },
      { type: 'input', name: 'name', message: 'Use case name, e.g. send-digest', validate: validName },
    ],
    actions: ({ module, kind, name }) => {
      const folder = `src/${module}/${kind === 'query' ? 'queries' : 'commands'}/${name}`;
      const data = { isCommand: kind === 'command', kindPascal: kind === 'query' ? 'Query' : 'Command' };
      const pascal = plop.getHelper('pascalCase')(name);
      const files = {
        message: `${folder}/${name}.${kind}.ts`,
        handler: `${folder}/${name}.handler.ts`,
        dto: `${folder}/${name}.request.dto.ts`,
        controller: `${folder}/${name}.http.controller.ts`,
        spec: `test/${module}/${name}.e2e.spec.ts`,
      };
      const relative = `./${kind === 'query' ? 'queries' : 'commands'}/${name}/${name}`;
      const moduleFile = `src/${module}/${module}.module.ts`;
      const httpModuleFile = `src/${module}/${module}-http.module.ts`;
      return [
        { type: 'add', path: files.message, templateFile: 'generators/use-case/message.ts.hbs', data },
        { type: 'add', path: files.handler, templateFile: 'generators/use-case/handler.ts.hbs', data },
        { type: 'add', path: files.dto, templateFile: 'generators/use-case/request.dto.ts.hbs', data },
        {
          type: 'add',
          path: files.controller,
          templateFile: 'generators/use-case/http.controller.ts.hbs',
          data,
        },
        { type: 'add', path: files.spec, templateFile: 'generators/use-case/e2e.spec.ts.hbs', data },
        () => register(moduleFile, `${kind}Handlers`, `${pascal}Handler`, `${relative}.handler.js`),
        () =>
          register(
            httpModuleFile,
            'controllers',
            `${pascal}HttpController`,
            `${relative}.http.controller.js`,
          ),
        formatted([...Object.values(files), moduleFile, httpModuleFile]),
      ];
    },
  });

  plop.setGenerator('migration', {
    description:
      'a migration with a branch per engine (SQLite, PostgreSQL, SQL Server), listed in migrations/index.ts',
    prompts: [
      { type: 'input', name: 'name', message: 'Migration name, e.g. create-invoices', validate: validName },
      { type: 'input', name: 'table', message: 'Table it creates, e.g. invoices', validate: validName },
    ],
    actions: ({ name }) => {
      const timestamp = Date.now();
      const file = `migrations/${timestamp}-${name}.ts`;
      const className = `${plop.getHelper('pascalCase')(name)}${timestamp}`;
      const listMigration = () => {
        const index = 'migrations/index.ts';
        let text = withImport(readFileSync(index, 'utf8'), className, `./${timestamp}-${name}.js`);
        // Appended: the list is oldest first, and this one is the newest.
        text = text.replace(/(export const migrations = \[[\s\S]*?)(\n?\];)/, `$1\n  ${className},$2`);
        writeFileSync(index, text);
        return `${index}: ${className}`;
      };
      return [
        {
          type: 'add',
          path: file,
          templateFile: 'generators/migration/migration.ts.hbs',
          data: { timestamp },
        },
        listMigration,
        formatted([file, 'migrations/index.ts']),
      ];
    },
  });
}
