import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ErrorResponseDto } from '../shared/http/error-response.dto.js';

const BEARER = 'bearer';

/**
 * The OpenAPI document of the HTTP API, served at /docs (Swagger UI) and /docs/openapi.json. Every /api
 * route requires the bearer scheme and may answer 401; /health and /metrics are open.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('CMS with durable background tasks')
    .setDescription(
      'Content types and items, CSV export and import as background tasks, and the tasks themselves. ' +
        'Every /api route needs `Authorization: Bearer <token>` (a token from ADMIN_TOKENS). The event ' +
        'streams also accept `?streamToken=` from POST /api/stream-tokens, for EventSource.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A token from ADMIN_TOKENS' }, BEARER)
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponseDto] });
  const unauthorized = {
    description: 'No valid bearer token',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } } },
  };
  for (const [path, operations] of Object.entries(document.paths)) {
    const open = !path.startsWith('/api/');
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = operations[method];
      if (!operation) continue;
      operation.security = open ? [] : [{ [BEARER]: [] }];
      if (!open) operation.responses['401'] ??= unauthorized;
      // Errors are JSON even where the success is a stream or a file (@ApiProduces sets both).
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400 || !response || !('content' in response) || !response.content) continue;
        const schema = Object.values(response.content)[0]?.schema;
        if (schema) response.content = { 'application/json': { schema } };
      }
    }
  }
  return document;
}

export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
    customSiteTitle: 'CMS API',
  });
}
