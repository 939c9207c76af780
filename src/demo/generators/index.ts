import type { GeneratorCatalogue } from '../../connectors/generator/event-generator.js';
import { type ClickOptions, createClicks } from './clicks.js';
import { createHostMetrics, type HostMetricsOptions } from './host-metrics.js';
import { createIotSensors, type SensorOptions } from './iot-sensors.js';
import { createLogins, type LoginOptions } from './logins.js';
import { createStockTicks, type StockTickOptions } from './stock-ticks.js';
import type { DemoGenerator } from './types.js';

export { type Click, type ClickOptions, createClicks, validateClick } from './clicks.js';
export {
  createHostMetrics,
  type HostMetrics,
  type HostMetricsOptions,
  type SystemProbe,
  validateHostMetrics,
} from './host-metrics.js';
export {
  createIotSensors,
  SENSOR_OUTLIERS,
  type SensorOptions,
  type SensorReading,
  validateSensorReading,
} from './iot-sensors.js';
export { createLogins, type LoginAttempt, type LoginOptions, validateLoginAttempt } from './logins.js';
export { createStockTicks, type StockTick, type StockTickOptions, validateStockTick } from './stock-ticks.js';
export type { DemoGenerator, DemoGeneratorOptions } from './types.js';

/** The demo generators by name, as the configuration and the CLI's `--demo` know them. */
export const demoGenerators = {
  clicks: (options?: ClickOptions) => createClicks(options),
  'stock-ticks': (options?: StockTickOptions) => createStockTicks(options),
  'iot-sensors': (options?: SensorOptions) => createIotSensors(options),
  logins: (options?: LoginOptions) => createLogins(options),
  'host-metrics': (options?: HostMetricsOptions) => createHostMetrics(options),
} as const satisfies Record<string, (options?: never) => DemoGenerator>;

export type DemoGeneratorName = keyof typeof demoGenerators;

/**
 * The demo generators as the catalogue `generator` sources name: what `tributary start`
 * and `validate` give the configuration and the platform, which know no generators of their own.
 */
export const DEMO_GENERATOR_CATALOGUE: GeneratorCatalogue = new Map(
  Object.entries(demoGenerators).map(([name, make]) => [name, () => make()]),
);

/** The rate each demo runs at by default, in events per second. */
export const DEMO_RATES: Readonly<Record<DemoGeneratorName, number>> = {
  clicks: 200,
  'stock-ticks': 50,
  'iot-sensors': 20,
  logins: 20,
  'host-metrics': 1,
};

export const isDemoGeneratorName = (name: string): name is DemoGeneratorName =>
  Object.hasOwn(demoGenerators, name);

/**
 * A demo generator by name.
 *
 * @example
 * const ticks = createDemoGenerator('stock-ticks', { random: seededRandom(7) });
 */
export const createDemoGenerator = (
  name: DemoGeneratorName,
  options?: ClickOptions & StockTickOptions & SensorOptions & LoginOptions & HostMetricsOptions,
): DemoGenerator => demoGenerators[name](options);
