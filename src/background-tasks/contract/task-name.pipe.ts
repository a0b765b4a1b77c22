import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { TASK_NAME } from './background-task.decorator.js';

/** A task name in a route: 400 unless it is one `@BackgroundTask` would accept. */
export class TaskNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!TASK_NAME.test(value)) {
      throw new BadRequestException(
        'name must be a task name: 1-200 letters, digits, or . _ : - (not first)',
      );
    }
    return value;
  }
}
