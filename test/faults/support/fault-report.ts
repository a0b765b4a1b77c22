import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const DIRECTORY = join(process.cwd(), 'test-artifacts', 'faults');

/**
 * Prints a scenario's one-line summary and keeps its figures in test-artifacts/faults/results.jsonl, from
 * which docs/RELIABILITY.md is written.
 */
export function reportScenario(scenario: string, summary: string, figures: Record<string, unknown>): void {
  process.stdout.write(`\n[fault] ${scenario}: ${summary}\n`);
  mkdirSync(DIRECTORY, { recursive: true });
  appendFileSync(
    join(DIRECTORY, 'results.jsonl'),
    `${JSON.stringify({ scenario, summary, figures, at: new Date().toISOString() })}\n`,
  );
}

export { setTimeout as sleep } from 'node:timers/promises';
