/**
 * The order in which the test files start: the slowest first, then vitest's own order
 * (the largest file first when it knows no durations, as on a fresh checkout). Two files run
 * at a time; a long file that starts last runs alone at the end while the other slot idles.
 * The list is from a full run on the 2-core machine (seconds); a file missing from it, or a
 * stale entry, only costs a little time.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SLOWEST: readonly string[] = [
  'test/e2e/dashboard.test.ts', // 233
  'test/integration/kafka/faults.test.ts', // 149
  'test/scripts/kafka/broker.test.ts', // 85
  'test/store/series-store.test.ts', // 69
  'test/integration/kafka/exactly-once.test.ts', // 69
  'test/runtime/partitioned-platform.test.ts', // 58
  'test/deploy/image.test.ts', // 54
  'test/integration/kafka/avro.test.ts', // 47
];

export class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification): number => {
      const index = SLOWEST.indexOf(relative(this.ctx.config.root, file.moduleId));
      return index < 0 ? SLOWEST.length : index;
    };
    // Array.prototype.sort is stable: vitest's order holds among the rest.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
