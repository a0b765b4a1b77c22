import { CreateBackgroundTasks1763900000000 } from './1763900000000-create-background-tasks.js';
import { TaskContractColumns1763986400000 } from './1763986400000-task-contract-columns.js';
import { CreateContent1764072800000 } from './1764072800000-create-content.js';
import { PlannerProofClaim1764159200000 } from './1764159200000-planner-proof-claim.js';
import { PlannerProofFinish1764850000000 } from './1764850000000-planner-proof-finish.js';
import { FewerTaskIndexWrites1764850100000 } from './1764850100000-fewer-task-index-writes.js';
import { CsvNumbersAsJavascript1764850200000 } from './1764850200000-csv-numbers-as-javascript.js';
import { AnnounceInStatements1765000000000 } from './1765000000000-announce-in-statements.js';
import { SqlServerMetadataAnyJson1765100000000 } from './1765100000000-sqlserver-metadata-any-json.js';
import { SqlServerBinaryKeysAndCreationOrder1765200000000 } from './1765200000000-sqlserver-binary-keys-and-creation-order.js';
import { FlowControl1765300000000 } from './1765300000000-flow-control.js';
import { WorkerHeartbeats1765400000000 } from './1765400000000-worker-heartbeats.js';
import { TaskTraceContext1765500000000 } from './1765500000000-task-trace-context.js';

/**
 * Every migration, oldest first. Listed by class rather than found by a glob, so that the compiled app,
 * the tests (run from TypeScript) and the CLI all see the same set without path juggling.
 * Migrations are forward-only in production; `down` exists for `npm run migration:revert` during development.
 * The queue's and the CMS's are interleaved, as they were written: CreateContent and CsvNumbersAsJavascript
 * are the CMS's, and SqlServerBinaryKeysAndCreationOrder changes a table of each (README "Remove the CMS").
 */
export const migrations = [
  CreateBackgroundTasks1763900000000,
  TaskContractColumns1763986400000,
  CreateContent1764072800000,
  PlannerProofClaim1764159200000,
  PlannerProofFinish1764850000000,
  FewerTaskIndexWrites1764850100000,
  CsvNumbersAsJavascript1764850200000,
  AnnounceInStatements1765000000000,
  SqlServerMetadataAnyJson1765100000000,
  SqlServerBinaryKeysAndCreationOrder1765200000000,
  FlowControl1765300000000,
  WorkerHeartbeats1765400000000,
  TaskTraceContext1765500000000,
];
