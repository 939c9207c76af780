import { type Duration, toMillis } from './duration.js';

/**
 * How a stream's watermark follows its event times. A watermark `W` declares that no
 * more events with a timestamp `<= W` are expected; anything at or below it is late.
 *
 * Watermarks advance at batch boundaries: every record of a batch is processed under the
 * watermark that held when the batch arrived, and the watermark then moves to
 * `max event time seen - maxOutOfOrderness - 1` (Flink's definition, so a bound of 0 still
 * accepts a second event with the newest timestamp).
 *
 * With idleness, an input split that has produced nothing for that long (processing time)
 * stops holding the watermark back; it rejoins with its next record.
 */
export class WatermarkStrategy {
  readonly kind = 'bounded-out-of-orderness';

  constructor(
    /** How far behind the newest event time an event may arrive and still be on time (ms). */
    readonly maxOutOfOrderness: number,
    /** Processing time (ms) after which a silent split is marked idle; undefined: never. */
    readonly idleness?: number,
  ) {
    Object.freeze(this);
  }

  /** The same strategy, with silent splits marked idle after `duration` of processing time. */
  withIdleness(duration: Duration): WatermarkStrategy {
    return new WatermarkStrategy(this.maxOutOfOrderness, toMillis(duration, 'watermark.idleness'));
  }

  /** The watermark after seeing `maxEventTime`. */
  watermarkFor(maxEventTime: number): number {
    return maxEventTime - this.maxOutOfOrderness - 1;
  }
}

/** Events may arrive up to `bound` after a newer one and still be on time. */
export const boundedOutOfOrderness = (bound: Duration): WatermarkStrategy =>
  new WatermarkStrategy(toMillis(bound, 'watermark.maxOutOfOrderness'));

/** Event times never go backwards (an out-of-order event is late). */
export const monotonous = (): WatermarkStrategy => new WatermarkStrategy(0);
