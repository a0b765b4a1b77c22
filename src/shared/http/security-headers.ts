import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/**
 * Security headers on every response, by helmet: `X-Content-Type-Options: nosniff`, `Referrer-Policy:
 * no-referrer`, `X-Frame-Options` and CSP `frame-ancestors 'none'`, `Strict-Transport-Security` (kept by
 * browsers only over HTTPS, i.e. behind a TLS proxy), `Cross-Origin-*` policies, and no `X-Powered-By`.
 *
 * The Content-Security-Policy depends on what is served: the API answers JSON and files, which need
 * nothing (`default-src 'none'`); Swagger UI at /docs loads its own scripts, styles and data: images
 * ('self'); the dashboard at /admin sets its own strict policy (admin.http.controller.ts), which replaces
 * this one.
 */
export function useSecurityHeaders(app: INestApplication): void {
  const express = app.getHttpAdapter().getInstance() as { disable?(setting: string): void };
  express.disable?.('x-powered-by');
  const common = {
    frameguard: { action: 'deny' as const },
    referrerPolicy: { policy: 'no-referrer' as const },
  };
  const api = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
  });
  const docs = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
  });
  app.use((request: Request, response: Response, next: NextFunction) =>
    (request.path === '/docs' || request.path.startsWith('/docs/') ? docs : api)(request, response, next),
  );
}
