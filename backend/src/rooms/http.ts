import type Router from '@koa/router';
import { createRoomBody, usernameBody } from '@chatterlink/schema/protocol';
import type { Middleware } from 'koa';
import { principalOf } from '../http/auth';
import type { AppState } from '../http/state';
import { pathId, validate } from '../http/validate';
import type { UsersDirectory } from '../identity/users-directory';
import type { RoomsService } from './service';

/** The room and DM routes of the contract. */
export function roomRoutes(router: Router<AppState>, deps: { rooms: RoomsService; users: UsersDirectory; auth: Middleware<AppState> }): void {
  const { rooms, users, auth } = deps;
  const roomId = (value: unknown) => pathId(value, 'room');

  router.get('/api/rooms', auth, async (ctx) => {
    ctx.body = { rooms: await rooms.listMine(principalOf(ctx)) };
  });

  router.get('/api/rooms/public', auth, async (ctx) => {
    ctx.body = { rooms: await rooms.listPublic(principalOf(ctx)) };
  });

  router.post('/api/rooms', auth, async (ctx) => {
    const input = validate(createRoomBody, ctx.request.body);
    ctx.status = 201;
    ctx.body = { room: await rooms.create(principalOf(ctx), input) };
  });

  router.post('/api/rooms/:id/join', auth, async (ctx) => {
    ctx.body = { room: await rooms.join(principalOf(ctx), roomId(ctx.params.id)) };
  });

  router.post('/api/rooms/:id/leave', auth, async (ctx) => {
    await rooms.leave(principalOf(ctx), roomId(ctx.params.id));
    ctx.status = 204;
  });

  router.get('/api/rooms/:id/members', auth, async (ctx) => {
    ctx.body = { members: users.withPresence(await rooms.members(principalOf(ctx), roomId(ctx.params.id))) };
  });

  router.post('/api/rooms/:id/members', auth, async (ctx) => {
    const { username } = validate(usernameBody, ctx.request.body);
    ctx.body = { room: await rooms.addMember(principalOf(ctx), roomId(ctx.params.id), username) };
  });

  router.delete('/api/rooms/:id/members/:userId', auth, async (ctx) => {
    await rooms.removeMember(principalOf(ctx), roomId(ctx.params.id), pathId(ctx.params.userId, 'user'));
    ctx.status = 204;
  });

  router.post('/api/dms', auth, async (ctx) => {
    const { username } = validate(usernameBody, ctx.request.body);
    ctx.body = { room: await rooms.openDm(principalOf(ctx), username) };
  });
}
