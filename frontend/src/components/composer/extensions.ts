import type { Component } from 'vue';

/**
 * Buttons next to the message box (attachments, …). Each component gets the
 * room id as its `roomId` prop.
 */
export const composerExtensions: { name: string; component: Component }[] = [];
