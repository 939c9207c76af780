package dev.tributary.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.Suppressed.BufferConfig;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The job of bench/kafka-throughput.ts as a Kafka Streams application: JSON clicks in, a
 * tumbling 10 s count per user by the click's own time, one JSON result per closed window out.
 *
 * <pre>
 * java -cp target/tributary-bench-kafka-streams-4.4.0.jar:lib/* dev.tributary.bench.ClicksPerUser \
 *   --brokers 127.0.0.1:9092 \
 *   --input clicks --output clicks-per-user --application-id app --state-dir /tmp/state \
 *   --guarantee exactly_once_v2 --events 1000000 --threads 2
 * </pre>
 *
 * Its stdout is for bench/kafka/streams/app-output.ts (Progress.java says what each line
 * means); its log goes to stderr at WARN. It closes on "stop" on stdin or at its end, so that
 * it never outlives the benchmark.
 */
public final class ClicksPerUser {
    static final Duration WINDOW = Duration.ofSeconds(10);
    /**
     * Kafka Streams keeps stream time per task, and a task here owns one partition of the
     * input: a window closes once its partition has seen a click at or past its end + grace.
     * The topic is keyed by user and event time only advances (bench/kafka/clicks.ts), so each
     * partition is in event-time order and no click arrives behind its task's stream time
     * (Progress reports the largest lag it saw as {@code behindMs}: 0). How far the 6 partitions
     * are apart from each other — minutes of event time on a backlog — never meets in one
     * task. A grace of 0 therefore drops nothing, and it lets the closing click of each
     * partition (one a window past the others, fill-topic.ts) close that partition's last
     * window, in the window step and in the suppression buffer alike (each keeps the stream time
     * of its task): with a grace of G > 0 the closing click would have to lie G further out, or
     * the last window of each partition would never be written.
     */
    static final Duration GRACE = Duration.ZERO;
    static final String STORE = "clicks-per-user";

    /** A click as the producers write it: {@code {"user_id":"u123","page":"/p/7","timestamp":1767225600600}}. */
    public record Click(@JsonProperty("user_id") String userId, String page, long timestamp) {}

    /** The result as Tributary's Kafka sink writes it, so that one reader checks both. */
    public record Result(String key, long start, long end, long clicks) {}

    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    static final Serde<Click> CLICK_SERDE = Serdes.serdeFrom(
            (topic, click) -> json(click).getBytes(StandardCharsets.UTF_8),
            (topic, bytes) -> {
                try {
                    return bytes == null ? null : JSON.readValue(bytes, Click.class);
                } catch (IOException e) {
                    throw new IllegalArgumentException("a click that is not JSON on " + topic, e);
                }
            });

    /** The click's own time; the source deserializes the value before it asks. */
    static final class ClickTime implements TimestampExtractor {
        @Override
        public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
            return ((Click) record.value()).timestamp();
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Topology topology(String input, String output, long events) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), CLICK_SERDE).withTimestampExtractor(new ClickTime()))
                .processValues(() -> new Progress<Click>(events, WINDOW.toMillis(), GRACE.toMillis()), Named.as("progress"))
                // The record key is the user (the topic is keyed by user_id): grouping by it needs no
                // repartition topic, as Tributary's `partitioned: true` needs no shuffle. Grouping by the
                // value's user_id would write every click to a repartition topic and read it back.
                .groupByKey(Grouped.with(Serdes.String(), CLICK_SERDE))
                .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, GRACE))
                .count(Materialized.<String, Long, WindowStore<Bytes, byte[]>>as(STORE)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.Long()))
                // One result per window, when it closes: the final count, as Tributary's results
                // are, instead of an update per window at every commit. Not
                // emitStrategy(onWindowClose()): its first emission in each task walks the store's
                // cache segment by segment from time 0, which stalled every task for 12-20 s at its
                // start here (the clicks are of 2026).
                .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName("final-counts"))
                .toStream()
                .map((window, clicks) -> KeyValue.pair(window.key(),
                        json(new Result(window.key(), window.window().start(), window.window().end(), clicks))))
                .to(output, Produced.with(Serdes.String(), Serdes.String()));
        return builder.build();
    }

    static Properties config(Map<String, String> args) {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, args.get("application-id"));
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args.get("brokers"));
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, args.get("guarantee"));
        config.put(StreamsConfig.STATE_DIR_CONFIG, args.get("state-dir"));
        config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(args.get("threads")));
        // Counts leave the store's cache for the suppression buffer, and so the results leave, at a
        // commit: the default of 30 s at least once would hold every result of a short run until
        // its end, and exactly once's 100 ms would commit ten transactions a second. Once a second
        // for both.
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        return config;
    }

    /** `--name value` pairs. */
    static Map<String, String> parse(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            if (!argv[i].startsWith("--")) throw new IllegalArgumentException("expected --name value, got " + argv[i]);
            args.put(argv[i].substring(2), argv[i + 1]);
        }
        for (String name : new String[] {"brokers", "input", "output", "application-id", "state-dir", "guarantee", "events", "threads"}) {
            if (!args.containsKey(name)) throw new IllegalArgumentException("missing --" + name);
        }
        return args;
    }

    public static void main(String[] argv) throws Exception {
        Progress.say("starting " + Progress.now());
        Map<String, String> args = parse(argv);
        Topology topology = topology(args.get("input"), args.get("output"), Long.parseLong(args.get("events")));
        KafkaStreams streams = new KafkaStreams(topology, config(args));
        AtomicBoolean running = new AtomicBoolean();
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING && running.compareAndSet(false, true)) {
                Progress.say("running " + Progress.now());
            } else if (now == KafkaStreams.State.ERROR) {
                Progress.say("failed Kafka Streams is in state ERROR (the log on stderr says why)");
            }
        });
        streams.setUncaughtExceptionHandler(error -> {
            Progress.say("failed " + String.valueOf(error).replace('\n', ' '));
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.start();

        // Until the benchmark says so, or is gone (its end of our stdin).
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = stdin.readLine(); line != null && !line.trim().equals("stop"); line = stdin.readLine()) {}

        long dropped = droppedRecords(streams);
        boolean closed = streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        Progress.say("stopped " + peakRssKb() + " " + dropped + " " + Progress.behindMs() + " " + closed);
        System.exit(0);
    }

    /** Records dropped as late (or unreadable), over every task. */
    private static long droppedRecords(KafkaStreams streams) {
        double total = 0;
        for (var metric : streams.metrics().entrySet()) {
            if (metric.getKey().name().equals("dropped-records-total")) {
                Object value = metric.getValue().metricValue();
                if (value instanceof Number number) total += number.doubleValue();
            }
        }
        return Math.round(total);
    }

    /** The JVM's peak resident memory (VmHWM, kB): heap, RocksDB and buffers alike. */
    private static long peakRssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return -1;
    }
}
