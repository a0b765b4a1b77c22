import type { MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';

/** How long an EventSource waits before it reconnects after a dropped connection. */
export const STREAM_RETRY_MS = 2_000;

/** Proxies close connections that stay silent for a minute or so; an event every 15 s keeps them open. */
const HEARTBEAT_MS = 15_000;

/** `events`, with a `heartbeat` event every 15 s in between, until `events` ends. */
export function withHeartbeats(events: Observable<MessageEvent>): Observable<MessageEvent> {
  return new Observable<MessageEvent>((subscriber) => {
    const timer = setInterval(() => subscriber.next({ type: 'heartbeat', data: '' }), HEARTBEAT_MS);
    const subscription = events.subscribe(subscriber);
    return () => {
      clearInterval(timer);
      subscription.unsubscribe();
    };
  });
}
