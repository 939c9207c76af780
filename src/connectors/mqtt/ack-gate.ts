import type { MqttClient } from 'mqtt';
import { TributaryError } from '../../errors.js';

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: (error?: Error) => void) => void;

/**
 * Holds back the PUBACKs of QoS 1 messages until they are appended.
 *
 * MQTT.js sends a PUBACK as soon as `client.handleMessage` calls back, and it reads the next
 * incoming packet only after that. Delaying the callback (the documented way) therefore
 * means one append per message. To batch *and* acknowledge after the append, the ingestor
 * calls back at once and this gate swallows the PUBACK the client then sends; `release`
 * sends it when the batch is durable. It wraps the client's internal `_sendPacket` of
 * mqtt 5.16 (pinned exactly in package.json); the test "acknowledges QoS 1 only after the
 * append" fails if another version changes that.
 */
export interface AckGate {
  /** The PUBACK for `messageId` that the client is about to send is held. */
  hold(messageId: number): void;
  /** Sends the held PUBACK. */
  release(messageId: number): void;
}

export const createAckGate = (client: MqttClient): AckGate => {
  const internals = client as unknown as { _sendPacket: SendPacket };
  const send = internals._sendPacket;
  if (typeof send !== 'function') {
    throw new TributaryError(
      'TRB_INTERNAL',
      'the mqtt client has no _sendPacket: this mqtt version is not the one Tributary pins; reinstall with npm ci',
    );
  }
  const original = send.bind(client);
  const held = new Set<number>();
  internals._sendPacket = (packet, cb) => {
    if (packet.cmd === 'puback' && packet.messageId !== undefined && held.delete(packet.messageId)) {
      // The client reads the next packet when this callback runs: let it, the ack waits.
      cb?.();
      return;
    }
    original(packet, cb);
  };
  return {
    hold: (messageId) => {
      held.add(messageId);
    },
    release: (messageId) => original({ cmd: 'puback', messageId }),
  };
};
