/**
 * Why a local service of scripts/ (the Kafka broker, the schema registry) could not be
 * installed or started. `code` tells a script what happened without parsing the message;
 * the message names what is missing and the fix.
 */
export class LocalServiceError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type KafkaBrokerErrorCode =
  | 'KAFKA_JAVA_MISSING'
  | 'KAFKA_MAVEN_MISSING'
  | 'KAFKA_DOWNLOAD_FAILED'
  | 'KAFKA_PORT_IN_USE'
  | 'KAFKA_FORMAT_FAILED'
  | 'KAFKA_EXITED'
  | 'KAFKA_NOT_READY';

export class KafkaBrokerError extends LocalServiceError<KafkaBrokerErrorCode> {}
