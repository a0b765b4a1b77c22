import { IsString } from 'class-validator';
import { IsSize } from '../config/env-validators.js';
import { parseSize } from '../config/size.js';

/** Where the application keeps files: task outputs, uploads (DATA_DIR), and how large an upload may be. */
export class FilesConfig {
  constructor(
    readonly dataDir: string,
    readonly maxUploadBytes: number,
  ) {}
}

/** The files' environment variables, with their defaults. */
export class FilesEnvironmentVariables {
  /** Where tasks write their files (CSV exports, uploads, error reports). */
  @IsString()
  DATA_DIR = './data';

  /** Largest CSV file an import accepts (`50mb`, `512kb`, or bytes); larger uploads get 413. */
  @IsSize('50mb, 512kb')
  UPLOAD_MAX_SIZE = '50mb';
}

export function toFilesConfig(vars: FilesEnvironmentVariables): FilesConfig {
  return new FilesConfig(vars.DATA_DIR, parseSize(vars.UPLOAD_MAX_SIZE) as number);
}
