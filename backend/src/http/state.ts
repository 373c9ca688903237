import type { ParameterizedContext } from 'koa';
import type { Principal } from '../identity/service';

/** What the middlewares leave on `ctx.state`. */
export interface AppState {
  principal?: Principal;
}

export type AppContext = ParameterizedContext<AppState>;
