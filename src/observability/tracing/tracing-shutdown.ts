import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { stopTracing } from './tracing-sdk.js';

/** Exports the last spans when the application stops (SIGTERM included: main enables shutdown hooks). */
@Injectable()
export class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return stopTracing();
  }
}
