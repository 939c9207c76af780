import Type from 'typebox';
import { MAX_PARTITIONS } from './log/options.js';

/**
 * The options every intake source takes about the embedded-log topic it appends to (the
 * topic of its name), beside its own. Defined once and spread into each intake connector's
 * block, so the key reads the same on every kind of source. They are the log's settings,
 * not the ingestor's: the configuration loader reads them (into `log.topics`), and a
 * connector's `resolve` leaves them alone.
 */
export const sourceTopicOptions = {
  partitions: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_PARTITIONS,
      'x-default': '`log.partitions`',
      'x-hint': `a topic has 1 to ${MAX_PARTITIONS} partitions`,
      description:
        "Partitions of the source's topic, each read by a task of its own in a pipeline whose key_by is partitioned; a topic that exists must have this many already (Tributary never repartitions one)",
    }),
  ),
};
