/*
 * [key, murmur2 of its UTF-8 bytes as a signed 32-bit int, partition for 1, 2, 3, 4, 8, 12, 100 partitions]
 *
 * Produced with the real Kafka Python client (Debian's python3-kafka 2.0.2), so a key lands
 * where Kafka would put it:
 *
 *   /usr/bin/python3 -c '
 *   from kafka.partitioner.default import murmur2, DefaultPartitioner
 *   p = DefaultPartitioner()
 *   for k in KEYS:
 *       h = murmur2(k.encode("utf-8")); s = h - (1 << 32) if h >= (1 << 31) else h
 *       print(k, s, [p(k.encode("utf-8"), list(range(n)), list(range(n))) for n in (1, 2, 3, 4, 8, 12, 100)])'
 *
 * (Python returns the hash unsigned; it is shown signed, as Kafka's Java `Utils.murmur2`
 * returns it. "21", "foobar", "abc" and the long strings are also the vectors of Kafka's own
 * Java `UtilsTest.testMurmur2`, with the same results.)
 */
export const KAFKA_VECTORS: readonly [string, number, readonly number[]][] = [
  ['', 275646681, [0, 1, 0, 1, 1, 9, 81]],
  ['a', -1563381124, [0, 0, 1, 0, 4, 4, 24]],
  ['ab', 316155434, [0, 0, 2, 2, 2, 2, 34]],
  ['abc', 479470107, [0, 1, 0, 3, 3, 3, 7]],
  ['abcd', -1323649548, [0, 0, 2, 0, 4, 8, 0]],
  ['abcde', 461995741, [0, 1, 1, 1, 5, 1, 41]],
  ['21', -973932308, [0, 0, 0, 0, 4, 0, 40]],
  ['foobar', -790332482, [0, 0, 0, 2, 6, 6, 66]],
  ['user-1', 1404122828, [0, 0, 2, 0, 4, 8, 28]],
  ['user-2', -324981792, [0, 0, 2, 0, 0, 8, 56]],
  ['user-42', 1459644460, [0, 0, 1, 0, 4, 4, 60]],
  ['00000000', -123441245, [0, 1, 0, 3, 3, 3, 3]],
  ['00000001', -2097407039, [0, 1, 0, 1, 1, 9, 9]],
  ['a-little-bit-long-string', -985981536, [0, 0, 2, 0, 0, 8, 12]],
  ['a-little-bit-longer-string', -1486304829, [0, 1, 2, 3, 3, 11, 19]],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971, [0, 1, 2, 1, 5, 5, 77]],
  ['ключ', 2122343024, [0, 0, 2, 0, 0, 8, 24]],
  ['é', 186971271, [0, 1, 0, 3, 7, 3, 71]],
  ['🔑', 2080712807, [0, 1, 2, 3, 7, 11, 7]],
  ['ключ-🔑', 1313857076, [0, 0, 2, 0, 4, 8, 76]],
  ['日本語のキー', -734675706, [0, 0, 2, 2, 6, 2, 42]],
];
