import type { Random } from '../../connectors/generator/event-generator.js';
import { gaussian, jitteredTime, pick, round } from './random.js';
import {
  checkFields,
  type DemoGenerator,
  type DemoGeneratorOptions,
  isNumber,
  isNumberOrNull,
  isString,
} from './types.js';

/** A reading of a temperature/humidity sensor (the seeds' °F → °C conversion and > 100 alert). */
export interface SensorReading {
  readonly device: string;
  /** Degrees Fahrenheit; `null` when the sensor failed to read, and now and then absurd. */
  readonly temp_f: number | null;
  /** Relative humidity in %, or `null`. */
  readonly humidity: number | null;
  readonly ts: number;
}

export interface SensorOptions extends DemoGeneratorOptions {
  /** Default 20 devices, `sensor-01` … `sensor-20`. */
  readonly devices?: number;
}

/** Values a broken sensor really sends: a saturated ADC, and absolute zero from an unset register. */
export const SENSOR_OUTLIERS: readonly number[] = [999, -459.67];

export const validateSensorReading = (value: unknown): true | string =>
  checkFields(
    value,
    { device: isString, temp_f: isNumberOrNull, humidity: isNumberOrNull, ts: isNumber },
    'reading',
  );

/**
 * Readings from `devices` sensors in rooms of different temperatures. Each device drifts
 * around its own baseline (a mean-reverting random walk), and one in a few has a heater
 * that slowly pushes it past 100 °F and back, so threshold alerts fire now and then. About
 * 1% of readings have `temp_f: null`, 0.5% `humidity: null`, 0.2% an outlier of 999 or
 * -459.67: these are well-formed, for a pipeline to clean, not dead letters.
 *
 * Malformed (valid JSON, must be dead-lettered): a reading whose `temp_f` is a string like
 * `"72.4F"`; a reading without `device`; a string `"sensor-03:72.4"` instead of an object.
 */
export const createIotSensors = (options: SensorOptions = {}): DemoGenerator<SensorReading> => {
  const random: Random = options.random ?? Math.random;
  const devices = Array.from({ length: options.devices ?? 20 }, (_, i) => {
    const baseline = 64 + random() * 16;
    return {
      id: `sensor-${String(i + 1).padStart(2, '0')}`,
      baseline,
      temp: baseline,
      humidity: 35 + random() * 25,
      heater: i % 7 === 3,
    };
  });

  const next = (now: number): { value: SensorReading; key: string } => {
    const device = pick(random, devices);
    // A heater cycles over ten minutes, peaking some 40 °F above the room.
    const target = device.heater
      ? device.baseline + 40 * Math.max(0, Math.sin((2 * Math.PI * now) / 600_000))
      : device.baseline;
    device.temp += 0.05 * (target - device.temp) + 0.25 * gaussian(random);
    device.humidity = Math.min(
      100,
      Math.max(0, device.humidity + 0.03 * (45 - device.humidity) + 0.3 * gaussian(random)),
    );
    const roll = random();
    const temp_f = roll < 0.01 ? null : roll < 0.012 ? pick(random, SENSOR_OUTLIERS) : round(device.temp, 1);
    const humidity = random() < 0.005 ? null : round(device.humidity, 1);
    return { value: { device: device.id, temp_f, humidity, ts: jitteredTime(random, now) }, key: device.id };
  };

  return {
    name: 'iot-sensors',
    next,
    malformed(now) {
      const { value, key } = next(now);
      const kind = pick(random, ['missing-field', 'wrong-type', 'not-an-object'] as const);
      if (kind === 'missing-field') {
        const { device: _, ...rest } = value;
        return { value: rest, key };
      }
      const temp = value.temp_f ?? round(devices[0].temp, 1);
      if (kind === 'wrong-type') return { value: { ...value, temp_f: `${temp}F` }, key };
      return { value: `${value.device}:${temp}`, key };
    },
    validate: validateSensorReading,
  };
};
