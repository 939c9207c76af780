import { LocalServiceError } from '../kafka/errors.js';

/** Why the local schema registry could not be installed or started; the message names the fix. */
export type RegistryServerErrorCode =
  | 'REGISTRY_JAVA_MISSING'
  | 'REGISTRY_MAVEN_MISSING'
  | 'REGISTRY_DOWNLOAD_FAILED'
  | 'REGISTRY_PORT_IN_USE'
  | 'REGISTRY_EXITED'
  | 'REGISTRY_NOT_READY';

export class RegistryServerError extends LocalServiceError<RegistryServerErrorCode> {}
