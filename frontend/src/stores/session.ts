import { sessionResponse, sessionUser } from '@chatterlink/schema/protocol/server-frames';
import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import type * as z from 'zod/mini';
import { api, ApiError, setCsrfToken } from '../api/http';
import { ChatClient } from '../sync/chat-client';

type Me = z.infer<typeof sessionResponse>['user'];

/** The last signed-in user, so the app opens their replica while offline. */
const CACHED_USER = 'chatterlink.user';

function cachedUser(): Me | undefined {
  try {
    return sessionUser.parse(JSON.parse(localStorage.getItem(CACHED_USER) ?? 'null'));
  } catch {
    return undefined;
  }
}

/** Who is signed in, and the chat client running for them. */
export const useSessionStore = defineStore('session', () => {
  const user = shallowRef<Me>();
  const client = shallowRef<ChatClient>();
  const checked = shallowRef(false);
  const signedIn = computed(() => user.value !== undefined);

  function begin(me: Me, csrfToken?: string): void {
    if (csrfToken) setCsrfToken(csrfToken);
    localStorage.setItem(CACHED_USER, JSON.stringify(me));
    if (client.value?.me.id !== me.id) {
      void client.value?.stop();
      client.value = new ChatClient(me);
      client.value.start();
    }
    user.value = me;
  }

  /** Ends the local session; `forget` deletes the user's replica from this device. */
  function end(forget = false): void {
    void client.value?.stop(forget);
    client.value = undefined;
    user.value = undefined;
    setCsrfToken(undefined);
    localStorage.removeItem(CACHED_USER);
  }

  /** At start-up: the server's answer when online, the cached user when not. */
  async function restore(): Promise<void> {
    try {
      const session = await api('GET', '/api/me', sessionResponse);
      begin(session.user, session.csrfToken);
    } catch (error) {
      // Only a 401 means signed out; no network or a server that is down means "work offline".
      const cached = cachedUser();
      if (cached && !(error instanceof ApiError && error.status === 401)) begin(cached);
      else end();
    } finally {
      checked.value = true;
    }
  }

  async function login(username: string, password: string, remember: boolean): Promise<void> {
    const session = await api('POST', '/api/auth/login', sessionResponse, { username, password, remember });
    begin(session.user, session.csrfToken);
  }

  async function register(username: string, password: string): Promise<void> {
    const session = await api('POST', '/api/auth/register', sessionResponse, { username, password });
    begin(session.user, session.csrfToken);
  }

  /** Signs out here and on the server, and removes this user's data from the device. */
  async function logout(): Promise<void> {
    try {
      await api('POST', '/api/auth/logout', null);
    } finally {
      end(true);
    }
  }

  /** The session ended elsewhere (logout in another tab, revocation). */
  function lost(): void {
    end();
  }

  return { user, client, checked, signedIn, restore, login, register, logout, lost };
});
