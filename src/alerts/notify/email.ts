import type { Transporter } from 'nodemailer';
import { TributaryError } from '../../errors.js';
import type { EmailDocument } from '../schema.js';
import { DEFAULT_TEXT, DEFAULT_TITLE, type Notification } from './notification.js';
import { type Notifier, PermanentFailure, retryOf } from './notifier.js';
import { htmlEscape, Template } from './template.js';

const DEFAULT_EMAIL_TEXT = `${DEFAULT_TEXT}
{{#each alerts}}
{{ labels.alertname }} [{{ status }}]
{{#each labelList}}  {{ name }} = {{ value }}
{{/each}}{{/each}}`;

const DEFAULT_HTML = `<h2>{{ title }}</h2>
{{#if firing}}<h3>Firing</h3><ul>{{#each firing}}<li><b>{{ labels.severity | upper }}</b> {{ annotations.summary }}<br><small>since {{ startsAt }} · {{ labels | json }}</small></li>{{/each}}</ul>{{/if}}
{{#if resolved}}<h3>Resolved</h3><ul>{{#each resolved}}<li>{{ annotations.summary }}<br><small>at {{ endsAt }}</small></li>{{/each}}</ul>{{/if}}`;

const parseSmarthost = (text: string, field: string): { host: string; port: number } => {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) {
    throw new TributaryError(
      'TRB_ALERT_INVALID',
      `${field}.smarthost: ${JSON.stringify(text)} is not host:port, e.g. smtp.example.com:587`,
    );
  }
  return { host: match[1], port };
};

/** Template data for e-mails: the notification, its title, and each alert's labels as a list. */
const emailData = (n: Notification, title: string) => ({
  ...n,
  title,
  alerts: n.alerts.map((a) => ({
    ...a,
    labelList: Object.entries(a.labels).map(([name, value]) => ({ name, value })),
  })),
});

/**
 * E-mail over SMTP with nodemailer: STARTTLS when the server offers it (required when a
 * password is set, unless `require_tls: false`), or TLS from the start with `tls: true`.
 */
export const emailNotifier = (doc: EmailDocument, field: string): Notifier => {
  const { host, port } = parseSmarthost(doc.smarthost, field);
  const to = Array.isArray(doc.to) ? doc.to : [doc.to];
  const retry = retryOf(doc, field);
  const subject = Template.compile(doc.subject ?? DEFAULT_TITLE, `${field}.subject`);
  const text = Template.compile(doc.text ?? DEFAULT_EMAIL_TEXT, `${field}.text`);
  const html = Template.compile(doc.html ?? DEFAULT_HTML, `${field}.html`);
  // The SMTP client is loaded with the first e-mail: a platform that sends none never pays for it.
  let transport: Promise<Transporter> | undefined;
  const open = () =>
    (transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        host,
        port,
        secure: doc.tls ?? false,
        requireTLS: doc.require_tls ?? doc.auth_password !== undefined,
        auth: doc.auth_username ? { user: doc.auth_username, pass: doc.auth_password ?? '' } : undefined,
        connectionTimeout: retry.timeoutMs,
        greetingTimeout: retry.timeoutMs,
        socketTimeout: retry.timeoutMs,
      }),
    ));
  return {
    type: 'email',
    sendResolved: doc.send_resolved ?? true,
    retry,
    async prepare() {
      await open();
    },
    async send(n: Notification, signal: AbortSignal) {
      const transporter = await open();
      // An attempt that timed out while the client loaded must not send after its retry has.
      signal.throwIfAborted();
      const title = subject.render(n).replace(/[\r\n]+/g, ' ');
      const data = emailData(n, title);
      try {
        await transporter.sendMail({
          from: doc.from,
          to,
          subject: title,
          text: text.render(data),
          html: html.render(data, { escape: htmlEscape }),
          headers: { 'X-Tributary-Group': n.groupKey },
        });
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        const message = `SMTP ${host}:${port}: ${(error as Error).message}`;
        // 5xx: the server refuses this message (a bad address, a policy) and will again.
        if (code !== undefined && code >= 500) throw new PermanentFailure(message);
        throw new Error(message, { cause: error });
      }
    },
    async close() {
      if (transport) (await transport).close();
    },
  };
};
