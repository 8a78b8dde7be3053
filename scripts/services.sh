#!/usr/bin/env bash
# Starts, stops and reports the real services the tests talk to: a Tansu Kafka-protocol broker and a
# ClickHouse server, both on loopback on non-default ports, with their data in a temporary directory.
#
#   scripts/services.sh start    start both, wait until each answers for real, print their addresses
#   scripts/services.sh stop     stop both and remove their data
#   scripts/services.sh status   say whether each is answering
#
# `start` prints `export NAME=value` lines (also written to $SIGHTLINE_RUN_DIR/env) for the tests.
# It needs the variables scripts/setup.sh prints.
set -euo pipefail

run_dir=${SIGHTLINE_RUN_DIR:-${TMPDIR:-/tmp}/sightline-services}
kafka_port=${SIGHTLINE_KAFKA_PORT:-19092}
ch_http_port=${SIGHTLINE_CLICKHOUSE_HTTP_PORT:-18123}
ch_tcp_port=${SIGHTLINE_CLICKHOUSE_TCP_PORT:-19000}
brokers="127.0.0.1:$kafka_port"
clickhouse="http://127.0.0.1:$ch_http_port"
# The API's read-only ClickHouse user; a password only these loopback services use.
reader_password=${SIGHTLINE_READER_PASSWORD:-sightline-reader}

log() { echo "services: $*" >&2; }
# Debian installs clickhouse-server in /usr/sbin, which a non-root PATH often lacks.
export PATH="$PATH:/usr/sbin:/sbin"

kafka_ready() {
    "${SIGHTLINE_PYTHON:?run scripts/setup.sh first}" - "$brokers" <<'PY' 2>/dev/null
import sys
from confluent_kafka.admin import AdminClient
# A real metadata request: it lists the brokers and topics, not just an open port.
md = AdminClient({"bootstrap.servers": sys.argv[1]}).list_topics(timeout=2)
sys.exit(0 if md.brokers else 1)
PY
}

clickhouse_ready() {
    [ "$(curl -fsS --max-time 2 "$clickhouse/?query=SELECT%20version()" 2>/dev/null)" != "" ]
}

wait_for() {
    local name=$1 check=$2 pidfile=$3 log_file=$4
    for _ in $(seq 1 120); do
        if $check; then
            log "$name is ready"
            return 0
        fi
        if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            log "$name exited during start-up; its log follows"
            tail -n 40 "$log_file" >&2
            return 1
        fi
        sleep 0.5
    done
    log "$name did not answer within 60 s; its log follows"
    tail -n 40 "$log_file" >&2
    return 1
}

write_clickhouse_config() {
    local dir=$1
    mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas"
    cat > "$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$dir/server.log</log>
        <errorlog>$dir/server.err.log</errorlog>
        <size>100M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$ch_http_port</http_port>
    <tcp_port>$ch_tcp_port</tcp_port>
    <max_connections>512</max_connections>
    <keep_alive_timeout>10</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
</yandex>
XML
    cat > "$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <load_balancing>random</load_balancing>
        </default>
        <!-- The API's SQL runs as sightline_reader: the server refuses writes and setting
             changes, and stops a query past these limits. -->
        <sightline_reader>
            <readonly>1</readonly>
            <max_execution_time>30</max_execution_time>
            <max_result_rows>100000</max_result_rows>
            <result_overflow_mode>throw</result_overflow_mode>
            <max_memory_usage>2000000000</max_memory_usage>
            <output_format_json_quote_64bit_integers>0</output_format_json_quote_64bit_integers>
        </sightline_reader>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
        <sightline_reader>
            <password>$reader_password</password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>sightline_reader</profile>
            <quota>default</quota>
        </sightline_reader>
    </users>
    <quotas>
        <default>
            <interval><duration>3600</duration><queries>0</queries><errors>0</errors>
            <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>
        </default>
    </quotas>
</yandex>
XML
}

start() {
    mkdir -p "$run_dir/tansu" "$run_dir/clickhouse"
    if [ -f "$run_dir/tansu.pid" ] && kill -0 "$(cat "$run_dir/tansu.pid")" 2>/dev/null; then
        log "tansu already running"
    else
        # The broker resolves storage paths against its working directory.
        (cd "$run_dir/tansu" && exec "${SIGHTLINE_TANSU:?run scripts/setup.sh first}" broker \
            --listener-url "tcp://127.0.0.1:$kafka_port" \
            --advertised-listener-url "tcp://127.0.0.1:$kafka_port" \
            --storage-engine "memory://tansu/" >"$run_dir/tansu.log" 2>&1) &
        echo $! > "$run_dir/tansu.pid"
    fi
    if [ -f "$run_dir/clickhouse.pid" ] && kill -0 "$(cat "$run_dir/clickhouse.pid")" 2>/dev/null; then
        log "clickhouse already running"
    else
        write_clickhouse_config "$run_dir/clickhouse"
        (cd "$run_dir/clickhouse" && exec clickhouse-server --config-file="$run_dir/clickhouse/config.xml" \
            >"$run_dir/clickhouse.log" 2>&1) &
        echo $! > "$run_dir/clickhouse.pid"
    fi
    wait_for tansu kafka_ready "$run_dir/tansu.pid" "$run_dir/tansu.log"
    wait_for clickhouse clickhouse_ready "$run_dir/clickhouse.pid" "$run_dir/clickhouse/server.err.log"
    {
        echo "export SIGHTLINE_TEST_BROKERS=$brokers"
        echo "export SIGHTLINE_TEST_CLICKHOUSE=$clickhouse"
        echo "export SIGHTLINE_TEST_CLICKHOUSE_PID_FILE=$run_dir/clickhouse.pid"
        echo "export SIGHTLINE_TEST_READER_PASSWORD=$reader_password"
    } | tee "$run_dir/env"
}

stop_one() {
    local name=$1 pidfile="$run_dir/$1.pid"
    [ -f "$pidfile" ] || return 0
    local pid
    pid=$(cat "$pidfile")
    if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$pid" 2>/dev/null || true
        log "$name stopped"
    fi
    rm -f "$pidfile"
}

stop() {
    stop_one tansu
    stop_one clickhouse
    rm -rf "$run_dir"
}

status() {
    local rc=0
    if kafka_ready; then log "tansu answering at $brokers"; else log "tansu not answering"; rc=1; fi
    if clickhouse_ready; then log "clickhouse answering at $clickhouse"; else log "clickhouse not answering"; rc=1; fi
    return $rc
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
