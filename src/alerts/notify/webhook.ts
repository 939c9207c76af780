import type { WebhookDocument } from '../schema.js';
import { postJson } from './http.js';
import { DEFAULT_TEXT, DEFAULT_TITLE, type Notification, webhookBody } from './notification.js';
import { checkHttpUrl, type Notifier, retryOf } from './notifier.js';
import { Template } from './template.js';

/**
 * POSTs Alertmanager's webhook JSON (version 4), so that anything that receives from
 * Alertmanager receives from Tributary; `title` and `text`, rendered from the templates,
 * are added for receivers that only show a message.
 */
export const webhookNotifier = (doc: WebhookDocument, field: string): Notifier => {
  const url = checkHttpUrl(doc.url, `${field}.url`);
  const title = Template.compile(doc.title ?? DEFAULT_TITLE, `${field}.title`);
  const text = Template.compile(doc.text ?? DEFAULT_TEXT, `${field}.text`);
  const headers = { ...(doc.headers ?? {}) };
  return {
    type: 'webhook',
    sendResolved: doc.send_resolved ?? true,
    retry: retryOf(doc, field),
    async send(n: Notification, signal: AbortSignal) {
      await postJson(
        url,
        { ...webhookBody(n), title: title.render(n), text: text.render(n) },
        signal,
        headers,
      );
    },
  };
};
