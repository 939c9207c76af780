import type { SlackDocument } from '../schema.js';
import { postJson } from './http.js';
import { DEFAULT_TEXT, DEFAULT_TITLE, type Notification } from './notification.js';
import { checkHttpUrl, type Notifier, retryOf } from './notifier.js';
import { Template } from './template.js';

/** Slack's three reserved characters; everything else in mrkdwn text may stay. */
export const slackEscape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const colorOf = (n: Notification): string => {
  if (n.status === 'resolved') return 'good';
  const severities = n.firing.map((a) => a.labels.severity);
  if (severities.includes('critical') || severities.includes('error')) return 'danger';
  if (severities.includes('warning')) return 'warning';
  return '#439FE0';
};

/** The body of a Slack incoming webhook (also taken by Mattermost, Rocket.Chat, Discord's /slack endpoint). */
export const slackPayload = (
  n: Notification,
  options: { title: Template; text: Template; channel?: string; username?: string },
) => {
  const title = options.title.render(n, { escape: slackEscape });
  const text = options.text.render(n, { escape: slackEscape });
  const body: Record<string, unknown> = {
    text: title,
    attachments: [{ color: colorOf(n), title, text, fallback: `${title}\n${text}`, mrkdwn_in: ['text'] }],
  };
  if (options.channel) body.channel = options.channel;
  if (options.username) body.username = options.username;
  return body;
};

export const slackNotifier = (doc: SlackDocument, field: string): Notifier => {
  const url = checkHttpUrl(doc.url, `${field}.url`);
  const options = {
    title: Template.compile(doc.title ?? DEFAULT_TITLE, `${field}.title`),
    text: Template.compile(doc.text ?? DEFAULT_TEXT, `${field}.text`),
    channel: doc.channel,
    username: doc.username,
  };
  return {
    type: 'slack',
    sendResolved: doc.send_resolved ?? true,
    retry: retryOf(doc, field),
    async send(n: Notification, signal: AbortSignal) {
      await postJson(url, slackPayload(n, options), signal);
    },
  };
};
