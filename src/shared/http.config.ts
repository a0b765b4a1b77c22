export class HttpConfig {
  /** The port to listen on. */
  readonly port: number;
  /** The address to listen on; undefined: every interface. */
  readonly host: string | undefined;
  /** False for APP_ROLE=worker: the process serves health and metrics but no /api. */
  readonly servesApi: boolean;
  /** Origins whose browser pages may call the API (CORS_ORIGINS); none: CORS is off. */
  readonly corsOrigins: readonly string[];
  /** Express's `trust proxy` (TRUST_PROXY): hops, or addresses and subnets; false: trust no proxy. */
  readonly trustProxy: number | readonly string[] | false;

  constructor(settings: {
    port: number;
    host: string | undefined;
    servesApi: boolean;
    corsOrigins?: readonly string[];
    trustProxy?: number | readonly string[] | false;
  }) {
    this.port = settings.port;
    this.host = settings.host;
    this.servesApi = settings.servesApi;
    this.corsOrigins = settings.corsOrigins ?? [];
    this.trustProxy = settings.trustProxy ?? false;
  }
}
