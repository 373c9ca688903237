import { createRouter, createWebHistory, type Router, type RouteRecordRaw } from 'vue-router';
import AuthScreen from './components/auth/AuthScreen.vue';
import ChatLayout from './components/ChatLayout.vue';
import RoomView from './components/room/RoomView.vue';
import WelcomePane from './components/room/WelcomePane.vue';
import { useSessionStore } from './stores/session';

/**
 * The app's screens. Features add theirs as children of `chat` (signed-in,
 * with the sidebar) or at the top level; `meta.admin` restricts to admins.
 */
export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: AuthScreen, meta: { public: true } },
  {
    path: '/',
    name: 'chat',
    component: ChatLayout,
    children: [
      { path: '', name: 'home', component: WelcomePane },
      { path: 'r/:roomId', name: 'room', component: RoomView, props: true },
      { path: 'search', name: 'search', component: () => import('./components/search/SearchView.vue') },
      { path: 'admin', name: 'admin', component: () => import('./components/admin/AdminPage.vue'), meta: { admin: true } },
    ],
  },
  { path: '/:rest(.*)*', redirect: '/' },
];

export function createAppRouter(): Router {
  const router = createRouter({ history: createWebHistory(), routes });
  router.beforeEach(async (to) => {
    const session = useSessionStore();
    if (!session.checked) await session.restore();
    if (to.meta.public) return session.signedIn ? { name: 'home' } : true;
    if (!session.signedIn) return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } };
    if (to.meta.admin && !session.user?.isAdmin) return { name: 'home' };
    return true;
  });
  return router;
}
