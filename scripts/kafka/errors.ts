/**
 * Why the local broker could not be installed or started. `code` tells a script what
 * happened without parsing the message; the message names what is missing and the fix.
 */
export type KafkaBrokerErrorCode =
  | 'KAFKA_JAVA_MISSING'
  | 'KAFKA_MAVEN_MISSING'
  | 'KAFKA_DOWNLOAD_FAILED'
  | 'KAFKA_PORT_IN_USE'
  | 'KAFKA_FORMAT_FAILED'
  | 'KAFKA_EXITED'
  | 'KAFKA_NOT_READY';

export class KafkaBrokerError extends Error {
  constructor(
    readonly code: KafkaBrokerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KafkaBrokerError';
  }
}
