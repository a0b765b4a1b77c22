import { ApiProperty } from '@nestjs/swagger';

/** The answer of a request that started a background task (202, with the task's URL in Location). */
export class TaskAcceptedView {
  @ApiProperty({ format: 'uuid', description: 'Watch it at /api/background-tasks/{taskId}' })
  readonly taskId!: string;
}
