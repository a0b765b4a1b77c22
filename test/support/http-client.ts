import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { eventually } from './test-app.js';

/** Users of the end-to-end suites: `root` is an admin, `alice` and `bob` are editors. */
export const TEST_USERS = {
  root: 'root-token-0123456789',
  alice: 'alice-token-0123456789',
  bob: 'bob-token-012345678901',
} as const;

export type TestUser = keyof typeof TEST_USERS;

export const TEST_ADMIN_TOKENS = `root:${TEST_USERS.root}:admin,alice:${TEST_USERS.alice},bob:${TEST_USERS.bob}`;

/** supertest with a bearer token, and the polling a client of this API does. */
export class HttpClient {
  constructor(private readonly app: INestApplication<App>) {}

  as(user: TestUser) {
    const server = this.app.getHttpServer();
    const auth = { Authorization: `Bearer ${TEST_USERS[user]}` };
    return {
      get: (path: string) => request(server).get(path).set(auth),
      post: (path: string) => request(server).post(path).set(auth),
      put: (path: string) => request(server).put(path).set(auth),
      delete: (path: string) => request(server).delete(path).set(auth),
    };
  }

  /** Polls a task until it reaches a final state; returns its view. */
  async finishedTask(user: TestUser, taskId: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    return eventually(
      async () => {
        const { body } = await this.as(user).get(`/api/background-tasks/${taskId}`);
        const task = body as { status: string };
        return ['completed', 'failed', 'cancelled'].includes(task.status)
          ? (body as Record<string, unknown>)
          : undefined;
      },
      timeoutMs,
      50,
    );
  }

  /** Downloads a completed task's file as bytes. */
  async download(user: TestUser, taskId: string): Promise<Buffer> {
    const response = await this.as(user)
      .get(`/api/background-tasks/${taskId}/file`)
      .buffer(true)
      .parse((res, callback) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => callback(null, Buffer.concat(chunks)));
      })
      .expect(200);
    return response.body as Buffer;
  }
}
