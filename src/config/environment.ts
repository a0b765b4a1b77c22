import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import { isIP } from 'node:net';
import { IsIn, IsInt, IsIP, IsOptional, Matches, Max, Min, ValidateBy } from 'class-validator';

/**
 * The application's own environment variables: what the process is (NODE_ENV, APP_ROLE) and where it
 * listens. Each module declares its own beside its configuration (`…EnvironmentVariables`: database,
 * background-tasks, auth, content, shared/files); `app-config.ts` reads them all, and the migration CLI only
 * the database's.
 */
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** One entry of TRUST_PROXY: a name Express knows, an address, or a subnet (`10.0.0.0/8`). */
function isProxyEntry(entry: string): boolean {
  if (PROXY_NAMES.includes(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

export class AppEnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsIn(['all', 'api', 'worker'])
  APP_ROLE: 'all' | 'api' | 'worker' = 'all';

  @Type(() => Number)
  @IsInt({ message: 'PORT must be an integer' })
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /**
   * The address to listen on. Unset: loopback (127.0.0.1) outside production, so that a development
   * server is not reachable from the network; every interface in production (behind a proxy or in a
   * container). `0.0.0.0` or `::` for every interface.
   */
  @IsOptional()
  @IsIP(undefined, { message: 'HOST must be an IP address, e.g. 127.0.0.1, 0.0.0.0 or ::' })
  HOST?: string = undefined;

  /**
   * Origins whose browser pages may call the API, comma-separated (`https://app.example.com`): CORS is
   * off unless this lists some, so that a page elsewhere cannot read the API with a user's token.
   */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean)
      : value,
  )
  @Matches(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, {
    each: true,
    message: 'CORS_ORIGINS must list origins such as https://app.example.com (scheme, host and port only)',
  })
  CORS_ORIGINS: string[] = [];

  /**
   * Which proxies in front of the app to believe about the client's address (X-Forwarded-For), as
   * Express's `trust proxy`: a number of hops (`1`), or addresses, subnets and the names loopback,
   * linklocal, uniquelocal, comma-separated. Unset: none, and every request comes from the socket's peer.
   * Behind a proxy that must be set, or the limit on wrong tokens (per address) counts everybody as the
   * proxy. Never `true`: a client could then name any address it likes and evade that limit.
   */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean)
      : value,
  )
  @ValidateBy({
    name: 'trustProxy',
    validator: {
      validate: (value: unknown) =>
        Array.isArray(value) &&
        ((value.length === 1 && /^\d{1,2}$/.test(String(value[0]))) ||
          value.every((entry) => typeof entry === 'string' && isProxyEntry(entry))),
      defaultMessage: () =>
        'TRUST_PROXY must be a number of proxies (1) or addresses, subnets and loopback, linklocal, uniquelocal, comma-separated',
    },
  })
  TRUST_PROXY: string[] = [];
}
