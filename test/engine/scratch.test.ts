import { it } from 'vitest';
import { distinctCount } from '../../src/engine/index.js';

it('scratch', () => {
  const d = distinctCount<string>();
  for (const n of [1000, 3000, 10_000, 20_000, 100_000]) {
    const errs: number[] = [];
    for (let s = 0; s < 30; s++) {
      let acc = d.init();
      for (let i = 0; i < n; i++) acc = d.add(acc, d.input!(`s${s}-item-${i}`), 0);
      errs.push((d.result(acc) - n) / n);
    }
    const mean = errs.reduce((a, b) => a + b) / errs.length;
    const sd = Math.sqrt(errs.reduce((a, b) => a + (b - mean) ** 2, 0) / errs.length);
    console.log(n, 'mean', (mean * 100).toFixed(2), 'sd', (sd * 100).toFixed(2), 'max', (Math.max(...errs.map(Math.abs)) * 100).toFixed(2));
  }
});
