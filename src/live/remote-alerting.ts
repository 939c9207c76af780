import { randomUUID } from 'node:crypto';
import type { AlertingApi } from '../contract/index.js';
import { ERROR_CODES, type ErrorCode, TributaryError } from '../errors.js';
import type { FleetMessage } from './fleet-message.js';

/** How long an alert route waits for the evaluating node's answer. */
export const ANSWER_TIMEOUT_MS = 5_000;

type Call = Extract<FleetMessage, { kind: 'alerting-call' }>;
type AnswerMessage = Extract<FleetMessage, { kind: 'alerting-answer' }>;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The alerting of a deployment as an API node that does not evaluate the rules sees it:
 * each call is asked of the node that does (the holder of the alerting lock) through Redis,
 * and answered from there — the alerts, rules and silences it holds, its errors (a bad rule,
 * an unknown silence) as they are. No answer in 5 s fails with TRB_ALERT_NO_EVALUATOR (503).
 */
export class RemoteAlerting implements AlertingApi {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly node: string,
    private readonly tell: (message: FleetMessage) => void,
    private readonly timeoutMs = ANSWER_TIMEOUT_MS,
  ) {}

  /** An answer: to a call of this node's, or for another node (ignored). */
  receive(message: AnswerMessage): void {
    if (message.to !== this.node) return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.error) pending.reject(revive(message.error));
    else pending.resolve(message.value);
  }

  /** Fails every call still waiting: the node stops. */
  close(): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(noEvaluator('this API node is stopping'));
      this.pending.delete(id);
    }
  }

  alerts: AlertingApi['alerts'] = (...args) => this.call('alerts', args);
  alert: AlertingApi['alert'] = (...args) => this.call('alert', args);
  history: AlertingApi['history'] = (...args) => this.call('history', args);
  notifications: AlertingApi['notifications'] = (...args) => this.call('notifications', args);
  rules: AlertingApi['rules'] = (...args) => this.call('rules', args);
  rule: AlertingApi['rule'] = (...args) => this.call('rule', args);
  upsertRule: AlertingApi['upsertRule'] = (...args) => this.call('upsertRule', args);
  removeRule: AlertingApi['removeRule'] = (...args) => this.call('removeRule', args);
  silences: AlertingApi['silences'] = (...args) => this.call('silences', args);
  addSilence: AlertingApi['addSilence'] = (...args) => this.call('addSilence', args);
  expireSilence: AlertingApi['expireSilence'] = (...args) => this.call('expireSilence', args);
  silenceAlert: AlertingApi['silenceAlert'] = (...args) => this.call('silenceAlert', args);

  private call<T>(method: Call['method'], args: readonly unknown[]): Promise<T> {
    const id = randomUUID();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          noEvaluator(
            `no API node that evaluates the alert rules answered within ${this.timeoutMs / 1000} s (one takes over within seconds when the last one stopped)`,
          ),
        );
      }, this.timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.tell({ kind: 'alerting-call', node: this.node, id, method, args });
    });
  }
}

/** The answer to a call: what `alerting` (the engine of the evaluating node) returns or throws. */
export const answerCall = async (alerting: AlertingApi, call: Call, node: string): Promise<AnswerMessage> => {
  const base = { kind: 'alerting-answer', node, to: call.node, id: call.id } as const;
  try {
    const method = alerting[call.method] as (...args: readonly unknown[]) => unknown;
    return { ...base, value: await method.apply(alerting, [...call.args]) };
  } catch (error) {
    if (error instanceof TributaryError)
      return { ...base, error: { name: error.name, message: error.message, code: error.code } };
    return {
      ...base,
      error: { name: 'Error', message: error instanceof Error ? error.message : String(error) },
    };
  }
};

/** The error the evaluating node threw, as a TributaryError of the same code where it had one. */
const revive = (error: { readonly message: string; readonly code?: string }): Error =>
  error.code !== undefined && error.code in ERROR_CODES
    ? new TributaryError(error.code as ErrorCode, error.message)
    : new Error(error.message);

const noEvaluator = (why: string) =>
  new TributaryError('TRB_ALERT_NO_EVALUATOR', `alerting: ${why}; try again`);
