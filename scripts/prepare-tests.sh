#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, when it is missing:
# Debian's chromium (browser tests), prometheus (the scrape test), kcat (the Kafka broker
# test, test/scripts/kafka/), python3-kafka and python3-confluent-kafka (the Kafka interop
# tests), influxdb (the influx sink tests start influxd 1.x of their own, test/influx.ts; the
# package's own service, where systemd starts it, is not used). Needs root and Debian's
# archive; says exactly what is missing otherwise.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/prometheus ] || missing+=(prometheus)
[ -x /usr/bin/kcat ] || missing+=(kcat)
[ -x /usr/bin/influxd ] || missing+=(influxdb)
# The clients people already use, for the Kafka interop tests; Debian's modules import only under /usr/bin/python3.
/usr/bin/python3 -c 'import kafka' 2>/dev/null || missing+=(python3-kafka)
/usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null || missing+=(python3-confluent-kafka)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "The tests need Debian packages that are missing: ${missing[*]}." >&2
  echo "Install them as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} from Debian's archive (once)…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# fonts-liberation: readable text in the dashboard screenshots.
apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-liberation >/dev/null
