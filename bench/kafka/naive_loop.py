"""The naive baseline of the Kafka benchmarks: the seed documents' consumer loop.

kafka-python's KafkaConsumer from the earliest offset with a group of its own, JSON values
decoded by its value_deserializer, and a dict of counts per (user, 10 s window), until
--events clicks are counted. The seeds also print a line per message; that is left out, or
the terminal would be what is measured.

Prints one JSON object on stdout: the clicks counted, the counts as {"user|windowStart": n},
the seconds from the consumer's creation to its partitions being assigned (metadata, group
join), from then to the first record (offset look-up, first fetch) and to the last one
counted, and the peak resident memory of this process. The topic is subscribed with a
rebalance listener only to note when the partitions are assigned.

    /usr/bin/python3 naive_loop.py --brokers 127.0.0.1:9092 --topic clicks --group g --events 1000000
"""

import argparse
import json
import resource
import sys
import time

from kafka import ConsumerRebalanceListener, KafkaConsumer

WINDOW_MS = 10_000
# Without a record for this long the topic holds fewer clicks than asked for.
IDLE_MS = 30_000


def peak_rss_kb():
    """VmHWM from /proc (kB); ru_maxrss (also kB on Linux) where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class AssignedAt(ConsumerRebalanceListener):
    """Notes when the group join first hands this consumer its partitions."""

    at = None

    def on_partitions_revoked(self, revoked):
        pass

    def on_partitions_assigned(self, assigned):
        if self.at is None:
            self.at = time.perf_counter()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--events", type=int, required=True)
    args = parser.parse_args()

    created = time.perf_counter()
    consumer = KafkaConsumer(
        bootstrap_servers=args.brokers.split(","),
        auto_offset_reset="earliest",
        enable_auto_commit=True,
        group_id=args.group,
        value_deserializer=lambda m: json.loads(m.decode("utf-8")),
        consumer_timeout_ms=IDLE_MS,
    )
    assigned = AssignedAt()
    consumer.subscribe([args.topic], listener=assigned)

    user_window_counts = {}
    consumed = 0
    first_at = None
    for message in consumer:
        if first_at is None:
            first_at = time.perf_counter()
        event = message.value
        user_id = event["user_id"]
        window = event["timestamp"] - event["timestamp"] % WINDOW_MS
        key = (user_id, window)
        if key not in user_window_counts:
            user_window_counts[key] = 0
        user_window_counts[key] += 1
        consumed += 1
        if consumed == args.events:
            break
    finished = time.perf_counter()
    consumer.close()

    if consumed < args.events:
        print(
            f"naive_loop: only {consumed} of {args.events} clicks in {args.topic} "
            f"(no record for {IDLE_MS // 1000} s)",
            file=sys.stderr,
        )
        return 1
    json.dump(
        {
            "events": consumed,
            "joinSeconds": assigned.at - created,
            "firstRecordSeconds": first_at - assigned.at,
            "consumeSeconds": finished - assigned.at,
            "peakRssKb": peak_rss_kb(),
            "counts": {f"{user}|{window}": n for (user, window), n in user_window_counts.items()},
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
