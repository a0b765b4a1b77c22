import { fileURLToPath } from 'node:url';
import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/index.js';

/** Copied next to the compiled module by `npm run build`; read from src/ when the tests run the sources. */
const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

const ASSETS: Record<string, string> = {
  'admin.js': 'text/javascript; charset=utf-8',
  'admin.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/** The names of the features present (src/app.features.ts): the page shows the forms of these only. */
export const DASHBOARD_FEATURES = Symbol('DASHBOARD_FEATURES');

/** The page only talks to this server, and runs no script but its own file. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The dashboard at /admin: a static page and its script, without a token (the page asks for one and calls
 * the API with it). Only the files listed here are served, by name.
 */
@ApiExcludeController()
@Controller('admin')
@Public()
export class AdminHttpController {
  constructor(@Inject(DASHBOARD_FEATURES) private readonly features: readonly string[]) {}

  @Get()
  page(@Res() response: Response): void {
    this.send(response, 'index.html', 'text/html; charset=utf-8');
  }

  /** `{"features":["content","demo"]}`: which start forms the page shows (before `:asset`, which it would match). */
  @Get('features')
  listFeatures(): { features: readonly string[] } {
    return { features: this.features };
  }

  @Get(':asset')
  asset(@Param('asset') asset: string, @Res() response: Response): void {
    const type = Object.hasOwn(ASSETS, asset) ? ASSETS[asset] : undefined;
    if (!type) throw new NotFoundException(`No such file: /admin/${asset}`);
    this.send(response, asset, type);
  }

  private send(response: Response, file: string, type: string): void {
    sendPublicFile(response, file, type);
  }
}

/**
 * `/favicon.ico`, which browsers ask for on every page of the server: the dashboard's icon (an SVG, which
 * every current browser takes at that address), rather than a 404 in the log of each visit.
 */
@ApiExcludeController()
@Controller('favicon.ico')
@Public()
export class FaviconHttpController {
  @Get()
  icon(@Res() response: Response): void {
    sendPublicFile(response, 'favicon.svg', ASSETS['favicon.svg']);
  }
}

function sendPublicFile(response: Response, file: string, type: string): void {
  response
    .type(type)
    .set({
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    })
    .sendFile(file, { root: PUBLIC_DIR });
}
