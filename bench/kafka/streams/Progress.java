package dev.tributary.bench;

import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * A step before the window that passes every click on and tells the benchmark, on stdout,
 * what Kafka Streams does not report: when each task started, when each of its windows
 * closed, and when the last click had been through the whole topology. One instance per task,
 * and a task owns one partition of the input.
 *
 * <p>The lines, times in epoch milliseconds to the microsecond (bench/kafka/streams/app-output.ts
 * reads them):
 * <ul>
 *   <li>{@code starting <at>}: main() began (ClicksPerUser).
 *   <li>{@code running <at>}: the client reached RUNNING for the first time (ClicksPerUser).
 *   <li>{@code assigned <partition> <at>}: the task of the partition was assigned, its store
 *       opened, and its processors initialized: it processes from here.
 *   <li>{@code closed <partition> <through> <at>}: the task's stream time less the grace reached
 *       {@code through}, a window boundary, with the click about to be processed. Every window
 *       of the partition that ends at or before it is closed: the window step takes no more
 *       clicks for it, and its count goes out at the store cache's next flush (the next commit)
 *       through the suppression buffer, which closes it by the same stream time.
 *   <li>{@code done <at>}: each of the {@code events} records has been through the topology once
 *       (its window's count updated in the store's cache).
 *   <li>{@code stopped <peakRssKb> <droppedRecords> <behindMs> <closedCleanly>}: after the close.
 *   <li>{@code failed <why>}.
 * </ul>
 */
final class Progress<V> implements FixedKeyProcessor<String, V, V> {
    /** Per partition, the highest offset through the topology: a record read again after a task moved counts once. */
    private static final ConcurrentHashMap<Integer, AtomicLong> HIGHEST_OFFSETS = new ConcurrentHashMap<>();
    private static final AtomicLong COUNTED = new AtomicLong();
    /** The furthest a click came behind its task's stream time. */
    private static final AtomicLong BEHIND_MS = new AtomicLong();

    private final long events;
    private final long windowMs;
    private final long graceMs;
    private FixedKeyProcessorContext<String, V> context;
    private int partition;
    private AtomicLong highestOffset;
    private long streamTime = Long.MIN_VALUE;
    private long closedThrough = Long.MIN_VALUE;

    Progress(long events, long windowMs, long graceMs) {
        this.events = events;
        this.windowMs = windowMs;
        this.graceMs = graceMs;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, V> context) {
        this.context = context;
        partition = context.taskId().partition();
        highestOffset = HIGHEST_OFFSETS.computeIfAbsent(partition, p -> new AtomicLong(-1));
        say("assigned " + partition + " " + now());
    }

    @Override
    public void process(FixedKeyRecord<String, V> record) {
        long time = record.timestamp();
        if (time > streamTime) {
            streamTime = time;
            long through = Math.floorDiv(time - graceMs, windowMs) * windowMs;
            if (through > closedThrough) {
                closedThrough = through;
                say("closed " + partition + " " + through + " " + now());
            }
        } else if (streamTime - time > BEHIND_MS.get()) {
            BEHIND_MS.accumulateAndGet(streamTime - time, Math::max);
        }
        context.forward(record);
        long offset = context.recordMetadata().orElseThrow().offset();
        if (offset > highestOffset.get()) {
            highestOffset.set(offset);
            if (COUNTED.incrementAndGet() == events) say("done " + now());
        }
    }

    static long behindMs() {
        return BEHIND_MS.get();
    }

    /** The wall clock, as the benchmark's Node process reads its own (performance.timeOrigin + now()). */
    static String now() {
        Instant at = Instant.now();
        return String.format(Locale.ROOT, "%.3f", at.getEpochSecond() * 1000.0 + at.getNano() / 1e6);
    }

    static void say(String line) {
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }
}
