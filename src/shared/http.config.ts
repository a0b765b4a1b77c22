export class HttpConfig {
  constructor(
    readonly port: number,
    /** The address to listen on; undefined: every interface. */
    readonly host: string | undefined,
    /** False for APP_ROLE=worker: the process serves health and metrics but no /api. */
    readonly servesApi: boolean,
  ) {}
}
