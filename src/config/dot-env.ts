import { existsSync } from 'node:fs';

/**
 * Loads `.env` from the working directory when there is one. Variables already set in the environment win,
 * as with dotenv. Node's own loader (20.12+) keeps the starter free of another dependency.
 */
export function loadDotEnvFile(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
