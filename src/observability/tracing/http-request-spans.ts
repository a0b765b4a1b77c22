import type { INestApplication } from '@nestjs/common';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { NextFunction, Request, Response } from 'express';
import { appTracer, tracingIsRegistered } from '../../shared/tracing/index.js';

/**
 * A SERVER span per HTTP request, continuing the caller's trace (its `traceparent` header, read by the
 * registered propagator), active while Nest handles the request: an enqueue made on its behalf is its
 * child, and the task keeps that context. Installed only when an SDK is registered.
 *
 * Why not @opentelemetry/instrumentation-http: it patches `node:http` through module-loading hooks,
 * which for an ES-module application means starting Node with `--import` of a loader before any module
 * loads, for every start command, test runner and script. One middleware gives the span this
 * application needs. A team that runs the instrumentation anyway (for outgoing calls, say) gets no
 * second span: a request that arrives with an active span is left to it.
 */
export function traceHttpRequests(app: INestApplication): void {
  if (!tracingIsRegistered()) return;
  const tracer = appTracer();
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (trace.getActiveSpan()) {
      next();
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const { method } = request;
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_PATH]: request.path },
      },
      parent,
    );
    // 'close' comes after 'finish', and also when the client went away before the response was complete.
    response.once('close', () => {
      // The route Express matched, e.g. /api/background-tasks/:id (none for a 404).
      const route = (request.route as { path?: unknown } | undefined)?.path;
      if (typeof route === 'string') {
        span.updateName(`${method} ${request.baseUrl}${route}`);
        span.setAttribute(ATTR_HTTP_ROUTE, `${request.baseUrl}${route}`);
      }
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
      if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  });
}
