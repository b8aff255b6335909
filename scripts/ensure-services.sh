#!/usr/bin/env bash
# Make sure the services the suite talks to are up; start them if this machine can, else say
# exactly what is missing. Never lets the suite silently skip what it claims to test.
set -euo pipefail

PG_HOST="${LANYAN_TEST_PG_HOST:-127.0.0.1}"
PG_PORT="${LANYAN_TEST_PG_PORT:-5432}"
MQTT_HOST="${LANYAN_TEST_MQTT_HOST:-127.0.0.1}"  # the live-event tests use LANYAN_MQTT_URL's default
MQTT_PORT="${LANYAN_TEST_MQTT_PORT:-1883}"

pg_up() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
  echo "PostgreSQL client tools are missing: install them (Debian: apt-get install postgresql-client)" >&2
  exit 1
fi
if ! pg_up; then
  echo "PostgreSQL is not answering on $PG_HOST:$PG_PORT; trying to start it..." >&2
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  for _ in $(seq 1 20); do pg_up && break; sleep 0.5; done
fi
if ! pg_up; then
  echo "ERROR: PostgreSQL is needed on $PG_HOST:$PG_PORT (trust auth, database 'test')." >&2
  echo "       Debian: apt-get install postgresql && pg_ctlcluster 15 main start" >&2
  exit 1
fi
echo "services: PostgreSQL ok ($PG_HOST:$PG_PORT)"

# Mosquitto: the live-event bus between server processes (LANYAN_EVENT_BUS=mqtt) is tested on it
mqtt_up() { timeout 2 bash -c "exec 3<>/dev/tcp/$MQTT_HOST/$MQTT_PORT" 2>/dev/null; }

if ! mqtt_up; then
  echo "Mosquitto is not answering on $MQTT_HOST:$MQTT_PORT; trying to start it..." >&2
  if command -v mosquitto >/dev/null 2>&1 && [ -f /etc/mosquitto/mosquitto.conf ]; then
    mosquitto -d -c /etc/mosquitto/mosquitto.conf || true
  fi
  for _ in $(seq 1 20); do mqtt_up && break; sleep 0.5; done
fi
if ! mqtt_up; then
  echo "ERROR: the MQTT broker Mosquitto is needed on $MQTT_HOST:$MQTT_PORT." >&2
  echo "       Debian: apt-get install mosquitto && mosquitto -d -c /etc/mosquitto/mosquitto.conf" >&2
  exit 1
fi
echo "services: Mosquitto ok ($MQTT_HOST:$MQTT_PORT)"
