import type { Random } from '../../connectors/generator/event-generator.js';
import { gaussian, jitteredTime, pick, round, weightedPicker } from './random.js';
import { checkFields, type DemoGenerator, type DemoGeneratorOptions, isNumber, isString } from './types.js';

/** One trade (the seeds' "stock ticks": a one-minute moving average per symbol). */
export interface StockTick {
  readonly symbol: string;
  /** USD, two decimals. */
  readonly price: number;
  /** Shares traded. */
  readonly volume: number;
  readonly ts: number;
}

export interface StockTickOptions extends DemoGeneratorOptions {
  /** Default: eight large US stocks with their rough prices. */
  readonly symbols?: Readonly<Record<string, number>>;
  /** Standard deviation of a tick's relative price move. Default 0.0008 (0.08%). */
  readonly volatility?: number;
}

const DEFAULT_SYMBOLS: Readonly<Record<string, number>> = {
  AAPL: 190,
  MSFT: 410,
  NVDA: 120,
  AMZN: 180,
  GOOG: 170,
  META: 500,
  TSLA: 240,
  IBM: 185,
};

export const validateStockTick = (value: unknown): true | string =>
  checkFields(value, { symbol: isString, price: isNumber, volume: isNumber, ts: isNumber }, 'stock tick');

/**
 * Trades on a few symbols, the busier ones traded more often. Each symbol's price is a
 * geometric random walk from its starting price (so it never goes negative), pulled gently
 * back towards the start so that a long demo does not wander off; volumes are mostly round
 * lots with a heavy tail of block trades.
 *
 * Malformed (valid JSON, must be dead-lettered): a tick whose `price` is a string; a tick
 * without `symbol`; a bare number (the price) instead of an object.
 */
export const createStockTicks = (options: StockTickOptions = {}): DemoGenerator<StockTick> => {
  const random: Random = options.random ?? Math.random;
  const start = options.symbols ?? DEFAULT_SYMBOLS;
  const symbols = Object.keys(start);
  const volatility = options.volatility ?? 0.0008;
  const prices = new Map(symbols.map((symbol) => [symbol, start[symbol]]));
  const pickSymbol = weightedPicker(
    symbols,
    symbols.map((_, i) => symbols.length - i),
  );

  const next = (now: number): { value: StockTick; key: string } => {
    const symbol = pickSymbol(random);
    const previous = prices.get(symbol)!;
    const pull = 0.001 * Math.log(start[symbol] / previous);
    const price = Math.max(0.01, previous * Math.exp(pull + volatility * gaussian(random)));
    prices.set(symbol, price);
    const volume =
      random() < 0.9 ? 100 * (1 + Math.floor(random() * 20)) : Math.round(2_000 + 50_000 * random() ** 4);
    return { value: { symbol, price: round(price, 2), volume, ts: jitteredTime(random, now) }, key: symbol };
  };

  return {
    name: 'stock-ticks',
    next,
    malformed(now) {
      const { value, key } = next(now);
      const kind = pick(random, ['missing-field', 'wrong-type', 'not-an-object'] as const);
      if (kind === 'missing-field') {
        const { symbol: _, ...rest } = value;
        return { value: rest, key };
      }
      if (kind === 'wrong-type') return { value: { ...value, price: value.price.toFixed(2) }, key };
      return { value: value.price, key };
    },
    validate: validateStockTick,
  };
};
