import type { Component } from 'vue';
import type { TimelineMessage } from '../../timeline/rows';

/**
 * Extra content under a message (attachments, …): features register a
 * component that renders when `matches` says so; it gets the message as
 * its `message` prop.
 */
export interface MessageExtension {
  name: string;
  matches(message: TimelineMessage): boolean;
  component: Component;
}

export const messageExtensions: MessageExtension[] = [];
