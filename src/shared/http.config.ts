export class HttpConfig {
  constructor(
    readonly port: number,
    /** False for APP_ROLE=worker: the process serves health and metrics but no /api. */
    readonly servesApi: boolean,
  ) {}
}
