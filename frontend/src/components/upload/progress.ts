import { reactive } from 'vue';

/** Upload progress (0…1) by outbox command id, while the bytes are on their way. */
export const uploadProgress = reactive(new Map<string, number>());
