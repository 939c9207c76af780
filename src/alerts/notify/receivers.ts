import { TributaryError } from '../../errors.js';
import type { ReceiverDocument } from '../schema.js';
import { dingtalkNotifier } from './dingtalk.js';
import { emailNotifier } from './email.js';
import type { Notifier } from './notifier.js';
import { slackNotifier } from './slack.js';
import { webhookNotifier } from './webhook.js';

/** The integrations of each receiver, built and checked from the documents. */
export const buildReceivers = (
  docs: readonly ReceiverDocument[],
  field = 'receivers',
): Map<string, Notifier[]> => {
  const receivers = new Map<string, Notifier[]>();
  docs.forEach((doc, i) => {
    const at = `${field}[${i}]`;
    if (typeof doc?.name !== 'string' || doc.name === '')
      throw new TributaryError('TRB_ALERT_INVALID', `${at}.name: a receiver needs a name`);
    if (receivers.has(doc.name)) {
      throw new TributaryError(
        'TRB_ALERT_INVALID',
        `${at}.name: a receiver named ${JSON.stringify(doc.name)} is declared twice`,
      );
    }
    const notifiers: Notifier[] = [
      ...(doc.webhook_configs ?? []).map((c, j) => webhookNotifier(c, `${at}.webhook_configs[${j}]`)),
      ...(doc.email_configs ?? []).map((c, j) => emailNotifier(c, `${at}.email_configs[${j}]`)),
      ...(doc.slack_configs ?? []).map((c, j) => slackNotifier(c, `${at}.slack_configs[${j}]`)),
      ...(doc.dingtalk_configs ?? []).map((c, j) => dingtalkNotifier(c, `${at}.dingtalk_configs[${j}]`)),
    ];
    receivers.set(doc.name, notifiers);
  });
  return receivers;
};

/** Closes the notifiers of `old` that `kept` no longer holds (a reload, or `kept` empty at close). */
export const closeRetiredNotifiers = async (
  old: ReadonlyMap<string, readonly Notifier[]>,
  kept: ReadonlyMap<string, readonly Notifier[]>,
): Promise<void> => {
  const keep = new Set([...kept.values()].flat());
  for (const notifier of [...old.values()].flat())
    if (!keep.has(notifier)) await notifier.close?.().catch(() => {});
};
