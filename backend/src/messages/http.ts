import type Router from '@koa/router';
import { commandBody, editMessageBody, messagesQuery, reactBody, readBody, sendMessageBody } from '@chatterlink/schema/protocol';
import type { Middleware } from 'koa';
import { principalOf } from '../http/auth';
import type { AppState } from '../http/state';
import { pathId, validate } from '../http/validate';
import type { MessagesService } from './service';

/** History from the contract, and REST forms of the message commands (for bots and tools). */
export function messageRoutes(router: Router<AppState>, deps: { messages: MessagesService; auth: Middleware<AppState> }): void {
  const { messages, auth } = deps;
  router.get('/api/rooms/:id/messages', auth, async (ctx) => {
    const page = validate(messagesQuery, ctx.query);
    ctx.body = await messages.history(principalOf(ctx), pathId(ctx.params.id, 'room'), page);
  });

  router.post('/api/rooms/:id/messages', auth, async (ctx) => {
    const input = validate(sendMessageBody, ctx.request.body);
    const ack = await messages.send(principalOf(ctx), { id: input.id, roomId: pathId(ctx.params.id, 'room'), body: input.body });
    ctx.status = ack.duplicate ? 200 : 201;
    ctx.body = { id: input.id, position: ack.position, duplicate: ack.duplicate };
  });

  router.post('/api/rooms/:id/read', auth, async (ctx) => {
    const { position } = validate(readBody, ctx.request.body);
    ctx.body = await messages.read(principalOf(ctx), { roomId: pathId(ctx.params.id, 'room'), position });
  });

  router.patch('/api/messages/:id', auth, async (ctx) => {
    const input = validate(editMessageBody, ctx.request.body);
    ctx.body = await messages.edit(principalOf(ctx), { commandId: input.id, messageId: pathId(ctx.params.id, 'message'), body: input.body });
  });

  router.delete('/api/messages/:id', auth, async (ctx) => {
    const input = validate(commandBody, ctx.request.body);
    ctx.body = await messages.delete(principalOf(ctx), { commandId: input.id, messageId: pathId(ctx.params.id, 'message') });
  });

  router.post('/api/messages/:id/reactions', auth, async (ctx) => {
    const input = validate(reactBody, ctx.request.body);
    ctx.body = await messages.react(principalOf(ctx), {
      commandId: input.id,
      messageId: pathId(ctx.params.id, 'message'),
      emoji: input.emoji,
    });
  });
}
