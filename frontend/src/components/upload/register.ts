import { defineAsyncComponent } from 'vue';
import { composerExtensions } from '../composer/extensions';
import { messageExtensions } from '../room/extensions';
import { registerUploadSync } from './sync';

/**
 * Plugs uploads into the app: the attach button, attachments in the
 * timeline, their event, their delivery. The components load as their own
 * chunk (precached by the service worker), outside the initial-load budget.
 */
export function registerUploads(): void {
  composerExtensions.push({ name: 'attach', component: defineAsyncComponent(() => import('./AttachButton.vue')) });
  messageExtensions.push({
    name: 'upload',
    matches: (m) => Boolean(m.extra?.upload ?? m.extra?.pendingUpload),
    component: defineAsyncComponent(() => import('./UploadView.vue')),
  });
  registerUploadSync();
}
