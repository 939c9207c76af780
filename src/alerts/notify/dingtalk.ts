import { createHmac } from 'node:crypto';
import type { DingTalkDocument } from '../schema.js';
import { postJson } from './http.js';
import { DEFAULT_TEXT, DEFAULT_TITLE, type Notification } from './notification.js';
import { checkHttpUrl, type Notifier, PermanentFailure, retryOf } from './notifier.js';
import { Template } from './template.js';

/** A markdown message for a DingTalk group robot. */
export const dingtalkPayload = (
  n: Notification,
  options: { title: Template; text: Template; atMobiles?: readonly string[]; atAll?: boolean },
) => {
  const title = options.title.render(n);
  const mentions = (options.atMobiles ?? []).map((m) => `@${m}`).join(' ');
  const text = `### ${title}\n\n${options.text.render(n)}${mentions ? `\n\n${mentions}` : ''}`;
  return {
    msgtype: 'markdown',
    markdown: { title, text },
    at: { atMobiles: [...(options.atMobiles ?? [])], isAtAll: options.atAll ?? false },
  };
};

/** The robot's signature: HMAC-SHA256 of "timestamp\nsecret" keyed by the secret, base64, in the query. */
export const signedUrl = (url: string, secret: string, now: number): string => {
  const sign = createHmac('sha256', secret).update(`${now}\n${secret}`).digest('base64');
  const u = new URL(url);
  u.searchParams.set('timestamp', String(now));
  u.searchParams.set('sign', sign);
  return u.toString();
};

// Robot answers that a later attempt may get past: rate limited, busy.
const RETRYABLE_CODES = new Set([130101, -1]);

export const dingtalkNotifier = (
  doc: DingTalkDocument,
  field: string,
  now: () => number = Date.now,
): Notifier => {
  const url = checkHttpUrl(doc.url, `${field}.url`);
  const options = {
    title: Template.compile(doc.title ?? DEFAULT_TITLE, `${field}.title`),
    text: Template.compile(doc.text ?? DEFAULT_TEXT, `${field}.text`),
    atMobiles: doc.at_mobiles,
    atAll: doc.at_all,
  };
  return {
    type: 'dingtalk',
    sendResolved: doc.send_resolved ?? true,
    retry: retryOf(doc, field),
    async send(n: Notification, signal: AbortSignal) {
      const target = doc.secret ? signedUrl(url, doc.secret, now()) : url;
      const answer = await postJson(target, dingtalkPayload(n, options), signal);
      // The robot answers 200 whatever happened; the outcome is in errcode.
      let code = 0;
      let message = '';
      try {
        const parsed = JSON.parse(answer) as { errcode?: number; errmsg?: string };
        code = parsed.errcode ?? 0;
        message = parsed.errmsg ?? '';
      } catch {
        return;
      }
      if (code === 0) return;
      const error = `DingTalk robot answered errcode ${code}: ${message}`;
      throw RETRYABLE_CODES.has(code) ? new Error(error) : new PermanentFailure(error);
    },
  };
};
