import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  DataSource,
  type EntityManager,
  type EntitySubscriberInterface,
  type QueryRunner,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
} from 'typeorm';

const HOOKS = Symbol('afterCommitHooks');
type HookHolder = { [HOOKS]?: (() => void)[] };

/**
 * Runs callbacks when the outermost transaction of a query runner commits. An enqueue inside a caller's
 * transaction wakes the local worker this way: waking it at insert time would find nothing (the row is not
 * committed yet) and leave the task waiting for the next poll.
 */
@Injectable()
export class AfterCommitHooks implements EntitySubscriberInterface, OnModuleInit {
  constructor(private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    this.dataSource.subscribers.push(this);
  }

  /** Runs `hook` after the manager's transaction commits, or now if the manager is not in a transaction. */
  runAfterCommit(manager: EntityManager, hook: () => void): void {
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) {
      hook();
      return;
    }
    const holder = runner.data as HookHolder;
    (holder[HOOKS] ??= []).push(hook);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    // Savepoints commit too; only the outermost commit makes the rows visible to other connections.
    if (event.queryRunner.isTransactionActive) return;
    for (const hook of this.take(event.queryRunner)) hook();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.take(event.queryRunner);
  }

  private take(runner: QueryRunner): (() => void)[] {
    const holder = runner.data as HookHolder;
    const hooks = holder[HOOKS] ?? [];
    delete holder[HOOKS];
    return hooks;
  }
}
