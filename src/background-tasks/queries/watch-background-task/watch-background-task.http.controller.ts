import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { BackgroundTaskView } from '../background-task.view.js';
import { Controller, Param, ParseUUIDPipe, Sse, type MessageEvent } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { map, type Observable } from 'rxjs';
import { AcceptsStreamToken, type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { STREAM_RETRY_MS, withHeartbeats } from '../../events/sse-heartbeats.js';
import { WatchBackgroundTaskQuery } from './watch-background-task.query.js';

@ApiTags('background tasks')
@Controller('api/background-tasks')
export class WatchBackgroundTaskHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /**
   * Server-sent events: `task` with the task's view now and after every change, until a final status, when
   * the server ends the stream (an EventSource should then close, or it reconnects and gets the final view
   * again). Opens with the Authorization header or `?streamToken=`.
   */
  @ApiOperation({
    summary: 'Server-sent events of one task until its final status',
    description:
      'Events: `task` (the task view, now and after each change), `heartbeat` every 15 s. The server ends the stream after a final status. EventSource: pass ?streamToken= (POST /api/stream-tokens).',
  })
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'streamToken', required: false, description: 'Instead of the Authorization header' })
  @ApiOkResponse({
    description: 'A text/event-stream of `task` events whose data is a BackgroundTaskView',
    schema: { type: 'string' },
  })
  @ApiExtraModels(BackgroundTaskView)
  @ApiErrors(400, 404)
  @Sse(':id/events')
  @AcceptsStreamToken()
  async events(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentUser() user: ApiUser,
  ): Promise<Observable<MessageEvent>> {
    const views = await this.queryBus.execute(new WatchBackgroundTaskQuery(id.toLowerCase(), user));
    return withHeartbeats(
      views.pipe(
        map((view): MessageEvent => ({
          type: 'task',
          id: view.updatedAt,
          data: view,
          retry: STREAM_RETRY_MS,
        })),
      ),
    );
  }
}
