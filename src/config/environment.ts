import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsIP, IsOptional, Matches, Max, Min } from 'class-validator';

/**
 * The application's own environment variables: what the process is (NODE_ENV, APP_ROLE) and where it
 * listens. Each module declares its own beside its configuration (`…EnvironmentVariables`: database,
 * background-tasks, auth, content, shared/files); `app-config.ts` reads them all, and the migration CLI only
 * the database's.
 */
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
}
