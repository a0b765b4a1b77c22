import { Injectable, type OnModuleInit, type Type } from '@nestjs/common';
import { ContextIdFactory, DiscoveryService, ModuleRef } from '@nestjs/core';
import {
  BACKGROUND_TASK_METADATA,
  getTaskDefinition,
  type BackgroundTaskDefinition,
} from '../contract/background-task.decorator.js';
import type { BackgroundTaskExecutor } from '../contract/background-task-executor.js';

/**
 * Any executor, whatever its contract. `unknown` would not do: the context's `checkpoint` takes the
 * execution metadata as a parameter, so an executor of a specific type is not assignable to one of unknown.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyExecutor = BackgroundTaskExecutor<any, any, any, any>;

export interface RegisteredTask {
  readonly name: string;
  readonly definition: BackgroundTaskDefinition;
  readonly executorClass: Type<AnyExecutor>;
  /** True when the executor and all its dependencies are singletons, so one instance serves every run. */
  readonly isStatic: boolean;
}

/** What request-scoped providers receive as REQUEST while a task runs. */
export interface BackgroundTaskRunRequest {
  readonly backgroundTask: { readonly id: string; readonly name: string; readonly createdBy: string | null };
}

/**
 * Every `@BackgroundTask` provider of the application, found once at boot. Two classes claiming one name,
 * or a decorated class without `execute`, stop the boot with a message naming them.
 */
@Injectable()
export class TaskRegistry implements OnModuleInit {
  private readonly byName = new Map<string, RegisteredTask>();
  private readonly byClass = new Map<Type<AnyExecutor>, RegisteredTask>();
  private readonly singletons = new Map<Type<AnyExecutor>, AnyExecutor>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: BACKGROUND_TASK_METADATA })) {
      const executorClass = wrapper.metatype as Type<AnyExecutor> | null;
      if (!executorClass || this.byClass.has(executorClass)) continue;
      const definition = getTaskDefinition(executorClass)!;
      const name = definition.name;
      const taken = this.byName.get(name);
      if (taken) {
        throw new Error(
          `Background task name "${name}" is used by both ${taken.executorClass.name} and ${executorClass.name}`,
        );
      }
      if (typeof (executorClass.prototype as Partial<AnyExecutor>).execute !== 'function') {
        throw new Error(
          `${executorClass.name} is marked @BackgroundTask('${name}') but has no execute() method`,
        );
      }
      const registered = { name, definition, executorClass, isStatic: wrapper.isDependencyTreeStatic() };
      this.byName.set(name, registered);
      this.byClass.set(executorClass, registered);
    }
  }

  forClass(executorClass: Type<unknown>): RegisteredTask | undefined {
    return this.byClass.get(executorClass as Type<AnyExecutor>);
  }

  forName(name: string): RegisteredTask | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  all(): RegisteredTask[] {
    return [...this.byName.values()];
  }

  /**
   * The executor of a task whose executor and dependencies are all singletons, without a promise: it never
   * changes, so it is looked up once, not for each of thousands of runs a second. Undefined otherwise.
   */
  singletonOf(task: RegisteredTask): AnyExecutor | undefined {
    if (!task.isStatic) return undefined;
    let executor = this.singletons.get(task.executorClass);
    if (!executor) {
      executor = this.moduleRef.get<AnyExecutor>(task.executorClass, { strict: false });
      this.singletons.set(task.executorClass, executor);
    }
    return executor;
  }

  /**
   * The executor for one run. Singletons come straight from the container; an executor with request-scoped
   * dependencies gets a fresh DI sub-tree per run, with the task as its REQUEST.
   */
  async resolveExecutor(task: RegisteredTask, request: BackgroundTaskRunRequest): Promise<AnyExecutor> {
    const singleton = this.singletonOf(task);
    if (singleton) return singleton;
    const contextId = ContextIdFactory.create();
    this.moduleRef.registerRequestByContextId(request, contextId);
    return this.moduleRef.resolve(task.executorClass, contextId, { strict: false });
  }
}
