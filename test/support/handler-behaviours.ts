import type { BackgroundTaskContext } from '../../src/background-tasks/contract/background-task-context.js';
import { TaskOutcome } from '../../src/background-tasks/contract/task-outcome.js';

/**
 * What a handler may do, the good and the bad: the cases of "whatever a handler does ends that one task".
 * The worker's model-based test and the handler-boundary suite (on SQLite and PostgreSQL) both run them.
 */
export const HANDLER_BEHAVIOURS = [
  'succeed',
  'succeed-slowly',
  'throw-error',
  'reject-null',
  'reject-undefined',
  'throw-string',
  'reject-bigint',
  'throw-getter-object',
  'throw-error-with-unreadable-message',
  'not-an-outcome',
  'bad-suspension',
  'result-bigint',
  'result-cycle',
  'result-nul',
  'result-too-large',
  'error-bigint',
  'error-too-large',
  'fail-outcome',
  'cancel-outcome',
  'checkpoint-then-succeed',
  'checkpoint-bigint',
  'checkpoint-too-large',
  'progress-garbage',
  'suspend-once',
  'hang',
  'wait-for-signal',
] as const;
export type HandlerBehaviour = (typeof HANDLER_BEHAVIOURS)[number];

export interface BehaviourMetadata {
  readonly behaviour: HandlerBehaviour;
  /** How long the slow behaviours take, and how long a suspension lasts. */
  readonly ms: number;
  /** Characters of the too-large results, errors and checkpoints: more than TASK_PAYLOAD_MAX_SIZE. */
  readonly tooLarge: number;
}

/** How a task with each behaviour ends when nothing else happens to it: its status and error code. */
export const EXPECTED_ENDINGS: Record<HandlerBehaviour, { readonly status: string; readonly code?: string }> =
  {
    succeed: { status: 'completed' },
    'succeed-slowly': { status: 'completed' },
    'throw-error': { status: 'failed', code: 'E_HANDLER' },
    'reject-null': { status: 'failed', code: 'NON_ERROR_THROWN' },
    'reject-undefined': { status: 'failed', code: 'NON_ERROR_THROWN' },
    'throw-string': { status: 'failed', code: 'NON_ERROR_THROWN' },
    'reject-bigint': { status: 'failed', code: 'NON_ERROR_THROWN' },
    'throw-getter-object': { status: 'failed', code: 'NON_ERROR_THROWN' },
    'throw-error-with-unreadable-message': { status: 'failed' },
    'not-an-outcome': { status: 'failed', code: 'NOT_AN_OUTCOME' },
    'bad-suspension': { status: 'failed', code: 'NOT_AN_OUTCOME' },
    'result-bigint': { status: 'failed', code: 'RESULT_NOT_STORABLE' },
    'result-cycle': { status: 'failed', code: 'RESULT_NOT_STORABLE' },
    'result-nul': { status: 'failed', code: 'RESULT_NOT_STORABLE' },
    'result-too-large': { status: 'failed', code: 'RESULT_TOO_LARGE' },
    'error-bigint': { status: 'failed', code: 'ERROR_NOT_STORABLE' },
    'error-too-large': { status: 'failed', code: 'ERROR_TOO_LARGE' },
    'fail-outcome': { status: 'failed', code: 'E_OUTCOME' },
    'cancel-outcome': { status: 'cancelled', code: 'E_CANCEL' },
    'checkpoint-then-succeed': { status: 'completed' },
    'checkpoint-bigint': { status: 'failed', code: 'CHECKPOINT_NOT_STORABLE' },
    'checkpoint-too-large': { status: 'failed', code: 'CHECKPOINT_TOO_LARGE' },
    'progress-garbage': { status: 'completed' },
    'suspend-once': { status: 'completed' },
    hang: { status: 'failed', code: 'TIMEOUT' },
    'wait-for-signal': { status: 'failed', code: 'TIMEOUT' },
  };

/** The behaviours that checkpoint: a database error on a checkpoint makes them fail an attempt. */
export const CHECKPOINTING_BEHAVIOURS: readonly HandlerBehaviour[] = [
  'checkpoint-then-succeed',
  'suspend-once',
];

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
  });
}

/** Runs a handler's body as the behaviour says. Run it from a task declared with a timeout (see `hang`). */
export async function behave(
  context: BackgroundTaskContext<BehaviourMetadata, { step: number }>,
): Promise<TaskOutcome<unknown, unknown>> {
  const { metadata } = context;
  // Only the behaviours that wait read their signal: most handlers never do.
  switch (metadata.behaviour) {
    case 'succeed':
      return TaskOutcome.success({ ok: true });
    case 'succeed-slowly':
      await sleep(metadata.ms, context.signal);
      return TaskOutcome.success({ ok: true });
    case 'throw-error':
      throw Object.assign(new Error('the handler failed'), { code: 'E_HANDLER' });
    case 'reject-null':
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what this case tests
      return Promise.reject(null);
    case 'reject-undefined':
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what this case tests
      return Promise.reject(undefined);
    case 'throw-string':
      throw 'boom' as unknown as Error;
    case 'reject-bigint':
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what this case tests
      return Promise.reject(10n);
    case 'throw-getter-object':
      throw {
        get message(): string {
          throw new Error('no message');
        },
      } as unknown as Error;
    case 'throw-error-with-unreadable-message': {
      const error = new Error('hidden');
      Object.defineProperty(error, 'message', {
        get() {
          throw new Error('no message');
        },
      });
      throw error;
    }
    case 'not-an-outcome':
      return 42 as never;
    case 'bad-suspension':
      return { kind: 'suspended', until: 'soon' } as never;
    case 'result-bigint':
      return TaskOutcome.success({ n: 10n });
    case 'result-cycle': {
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      return TaskOutcome.success(cycle);
    }
    case 'result-nul':
      return TaskOutcome.success({ text: 'a\u0000b' });
    case 'result-too-large':
      return TaskOutcome.success('x'.repeat(metadata.tooLarge));
    case 'error-bigint':
      return TaskOutcome.failure({ n: 10n });
    case 'error-too-large':
      return TaskOutcome.failure({ detail: 'x'.repeat(metadata.tooLarge) });
    case 'fail-outcome':
      return TaskOutcome.failure({ code: 'E_OUTCOME' });
    case 'cancel-outcome':
      return TaskOutcome.cancellation({ code: 'E_CANCEL' });
    case 'checkpoint-then-succeed':
      await context.checkpoint({ step: (context.executionMetadata?.step ?? 0) + 1 });
      await sleep(metadata.ms, context.signal);
      return TaskOutcome.success({ ok: true });
    case 'checkpoint-bigint':
      await context.checkpoint({ step: 10n } as unknown as { step: number });
      return TaskOutcome.success({ ok: true });
    case 'checkpoint-too-large':
      await context.checkpoint({ step: 1, padding: 'x'.repeat(metadata.tooLarge) } as { step: number });
      return TaskOutcome.success({ ok: true });
    case 'progress-garbage':
      context.progress({ percent: Number.NaN, step: Number.POSITIVE_INFINITY, info: 'é'.repeat(1_000_000) });
      context.progress(null as never);
      context.progress({ info: { not: 'text' } as never, step: 2 ** 40, percent: -Infinity });
      context.progress({ info: `${'z'.repeat(999)}\ud83d\ude00 a\u0000b\ud800` });
      return TaskOutcome.success({ ok: true });
    case 'suspend-once':
      if (context.executionMetadata?.step) return TaskOutcome.success({ ok: true });
      await context.checkpoint({ step: 1 });
      return TaskOutcome.suspended(new Date(Date.now() + metadata.ms));
    case 'hang':
      return new Promise<never>(() => undefined); // never settles, and ignores its signal
    case 'wait-for-signal':
      await sleep(600_000, context.signal);
      return TaskOutcome.success({ ok: true });
  }
}
