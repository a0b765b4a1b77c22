import type { FieldValues } from '../model/content-item.js';
import type { FieldDefinition } from '../model/content-type.js';

export const DEMO_TYPE = {
  developerName: 'articles',
  labelSingular: 'Article',
  labelPlural: 'Articles',
  description: 'Demo content: seeded on a fresh database so that an export has something to show.',
};

export const DEMO_FIELDS: FieldDefinition[] = [
  { developerName: 'title', label: 'Title', type: 'text', required: true },
  { developerName: 'summary', label: 'Summary', type: 'long_text', required: false },
  {
    developerName: 'category',
    label: 'Category',
    type: 'choice',
    required: true,
    choices: ['news', 'tutorial', 'opinion', 'review'],
  },
  { developerName: 'rating', label: 'Rating', type: 'number', required: false },
  { developerName: 'published', label: 'Published', type: 'boolean', required: true },
  { developerName: 'published_on', label: 'Published on', type: 'date', required: false },
];

const SUBJECTS = [
  'Durable queues',
  'SQL locks',
  'CSV exports',
  'Lease renewal',
  'Crash recovery',
  'Idempotency',
];
const PHRASES = [
  'a short note',
  'notes, with commas',
  'a "quoted" remark',
  'two lines\nof text',
  'ünïcödé and emoji 🚀',
  '=1+1 looks like a formula',
];

/** The values of the n-th demo article: deterministic, varied, and with the characters CSV has to handle. */
export function demoArticle(n: number): FieldValues {
  const day = new Date(Date.UTC(2024, 0, 1) + (n % 1000) * 86_400_000).toISOString().slice(0, 10);
  return {
    title: `${SUBJECTS[n % SUBJECTS.length]} #${n + 1}`,
    summary: n % 7 === 0 ? null : `Article ${n + 1}: ${PHRASES[n % PHRASES.length]}.`,
    category: (DEMO_FIELDS[2].choices ?? [])[n % 4],
    rating: n % 5 === 0 ? null : Math.round(((n * 37) % 50) + 1) / 10,
    published: n % 3 !== 0,
    published_on: n % 3 !== 0 ? day : null,
  };
}
