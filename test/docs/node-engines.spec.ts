import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly engines?: { readonly node?: unknown };
}

/** Every installed package's manifest, nested node_modules included. */
function manifests(directory: string): Manifest[] {
  const found: Manifest[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const path = join(directory, entry.name);
    if (entry.name.startsWith('@')) {
      found.push(...manifests(path));
      continue;
    }
    const manifest = join(path, 'package.json');
    if (existsSync(manifest)) found.push(JSON.parse(readFileSync(manifest, 'utf8')) as Manifest);
    if (existsSync(join(path, 'node_modules'))) found.push(...manifests(join(path, 'node_modules')));
  }
  return found;
}

describe('the Node.js baseline', () => {
  const root = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
  // The oldest version of each range the README promises: ^20.19.0 || ^22.13.0 || >=24.11.0.
  const oldest = new semver.Range(root.engines.node).set.map((comparators) => comparators[0].semver.version);

  it('is the one of .nvmrc and the README', () => {
    expect(oldest[0]).toMatch(new RegExp(`^${readFileSync('.nvmrc', 'utf8').trim().replace('.', '\\.')}\\.`));
    expect(readFileSync('README.md', 'utf8')).toContain(`Node.js ${oldest[0].replace(/\.0$/, '')}+`);
  });

  it('is supported by every installed package, so that `npm install` prints no engine warning', () => {
    const unsupported = manifests('node_modules').flatMap(({ name, version, engines }) =>
      typeof engines?.node === 'string'
        ? oldest
            .filter((node) => !semver.satisfies(node, engines.node as string))
            .map((node) => `${name}@${version} wants node ${String(engines.node)}, not ${node}`)
        : [],
    );
    expect(unsupported).toEqual([]);
  });
});
