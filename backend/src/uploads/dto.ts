import type { UploadDto } from '@chatterlink/schema/protocol';
import type { FileUploaded } from './events';

/** Where an upload's bytes are served. */
export function uploadUrl(uploadId: string): string {
  return `/api/uploads/${uploadId}`;
}

/** The client's view of a `file.uploaded` payload: no key ids, the preview as a data URL. */
export function toUploadDto(data: FileUploaded): UploadDto {
  const dto: UploadDto = { id: data.uploadId, name: data.name, mime: data.mime, size: data.size, url: uploadUrl(data.uploadId) };
  if (data.width !== undefined && data.height !== undefined) {
    dto.width = data.width;
    dto.height = data.height;
  }
  if (data.preview !== undefined) dto.preview = `data:image/webp;base64,${data.preview}`;
  return dto;
}
