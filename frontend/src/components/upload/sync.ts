import { couriers } from '../../outbox/outbox';
import { registerEventHandler } from '../../sync/apply-event';
import { uploadCourier } from './courier';
import { fileUploaded } from './file-uploaded';

/** The data side of uploads: `file.uploaded` in the replica, and queued attachments delivered over HTTP. */
export function registerUploadSync(): void {
  registerEventHandler('file.uploaded', fileUploaded);
  couriers.upload = uploadCourier;
}
