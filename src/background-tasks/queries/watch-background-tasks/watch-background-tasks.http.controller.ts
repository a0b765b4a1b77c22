import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { Controller, Query, Sse, type MessageEvent } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { map, type Observable } from 'rxjs';
import { AcceptsStreamToken, type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { STREAM_RETRY_MS, withHeartbeats } from '../../events/sse-heartbeats.js';
import { WatchBackgroundTasksQuery } from './watch-background-tasks.query.js';
import { WatchBackgroundTasksRequestDto } from './watch-background-tasks.request.dto.js';

@ApiTags('background tasks')
@Controller('api/background-tasks')
export class WatchBackgroundTasksHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /**
   * Server-sent events for a task list: `task` with a task's view whenever a task the caller may see
   * changes (new tasks included), `resync` when too many changed at once to send (reload the list). It
   * never ends by itself. Status filtering is the client's: a task leaves a status as it changes.
   */
  @ApiOperation({
    summary: 'Server-sent events of every task the caller may see',
    description:
      'Events: `task` (a task view, whenever a visible task changes or is created), `resync` (too many changed at once: reload the list), `heartbeat` every 15 s. It never ends by itself. EventSource: pass ?streamToken=.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'A text/event-stream of `task` and `resync` events',
    schema: { type: 'string' },
  })
  @ApiErrors(400, 403)
  @Sse('events')
  @AcceptsStreamToken()
  async events(
    @Query() query: WatchBackgroundTasksRequestDto,
    @CurrentUser() user: ApiUser,
  ): Promise<Observable<MessageEvent>> {
    const events = await this.queryBus.execute(
      new WatchBackgroundTasksQuery(user, { name: query.name, createdBy: query.createdBy }),
    );
    return withHeartbeats(
      events.pipe(
        map((event): MessageEvent =>
          event.kind === 'task'
            ? { type: 'task', data: event.task, retry: STREAM_RETRY_MS }
            : { type: 'resync', data: '' },
        ),
      ),
    );
  }
}
