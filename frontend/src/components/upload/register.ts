import { composerExtensions } from '../composer/extensions';
import { messageExtensions } from '../room/extensions';
import AttachButton from './AttachButton.vue';
import { registerUploadSync } from './sync';
import UploadView from './UploadView.vue';

/** Plugs uploads into the app: the attach button, attachments in the timeline, their event, their delivery. */
export function registerUploads(): void {
  composerExtensions.push({ name: 'attach', component: AttachButton });
  messageExtensions.push({ name: 'upload', matches: (m) => Boolean(m.extra?.upload ?? m.extra?.pendingUpload), component: UploadView });
  registerUploadSync();
}
