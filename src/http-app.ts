import { ValidationPipe, type INestApplication } from '@nestjs/common';
import type { Application } from 'express';
import { HttpConfig } from './shared/http.config.js';
import { setupOpenApi } from './openapi/openapi.js';
import { ApplicationErrorFilter } from './shared/http/application-error.filter.js';
import { APP_FEATURES } from './app.features.js';
import { acceptJsonBodiesOnly, parseJsonBodies } from './shared/http/json-bodies.js';
import { JsonDepthPipe } from './shared/http/json-depth.pipe.js';
import { useSecurityHeaders } from './shared/http/security-headers.js';
import { refuseUnstorableUrls } from './shared/http/storable-urls.js';
import { traceHttpRequests } from './observability/index.js';

/**
 * HTTP settings shared by `main.ts` and the end-to-end tests, so that tests exercise the same pipes,
 * filters and limits as production.
 */
export function configureHttpApp(app: INestApplication): INestApplication {
  traceHttpRequests(app); // first, so that a request's span covers all of its handling
  useSecurityHeaders(app);
  const http = app.get(HttpConfig);
  // Express reads the client's address from X-Forwarded-For only through the proxies named here.
  (app.getHttpAdapter().getInstance() as Application).set(
    'trust proxy',
    typeof http.trustProxy === 'object' ? [...http.trustProxy] : http.trustProxy,
  );
  if (http.corsOrigins.length > 0) {
    app.enableCors({
      origin: [...http.corsOrigins],
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      exposedHeaders: ['Location', 'Retry-After'],
      maxAge: 600,
    });
  }
  acceptJsonBodiesOnly(app);
  refuseUnstorableUrls(app);
  parseJsonBodies(
    app,
    APP_FEATURES.flatMap((feature) => feature.bodyLimits ?? []),
  );
  app.useGlobalPipes(
    new JsonDepthPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  app.useGlobalFilters(new ApplicationErrorFilter());
  // The API's description (/docs) lives where the API does: not in APP_ROLE=worker processes.
  if (http.servesApi) setupOpenApi(app);
  return app;
}
