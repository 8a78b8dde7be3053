"""The baselines of `sightline bench ingest`: what a team would write in an afternoon.

One flat row per event, in a plain MergeTree table. Both baselines use the same rows:

  create-table URL TABLE        create TABLE over ClickHouse's HTTP interface
  flatten IN OUT                events NDJSON to flat JSONEachRow rows, for clickhouse-client (a)
  consume ...                   baseline (b): confluent-kafka, batch, INSERT ... FORMAT JSONEachRow
                                over HTTP, commit after each insert; stops after --count events

Standard library and confluent-kafka only.
"""

import argparse
import json
import sys
import time
import urllib.parse
import urllib.request

COLUMNS = [
    ("event_id", "String"),
    ("kind", "String"),
    ("request_id", "String"),
    ("time", "DateTime"),
    ("service", "String"),
    ("environment", "String"),
    ("project", "String"),
    ("provider", "String"),
    ("model", "String"),
    ("model_version", "String"),
    ("operation", "String"),
    ("prompt", "String"),
    ("output", "String"),
    ("status", "String"),
    ("error_type", "String"),
    ("input_tokens", "UInt64"),
    ("output_tokens", "UInt64"),
    ("latency_ms", "Float64"),
    ("cost_usd", "String"),
]


def clickhouse(url, query, body=b""):
    full = url.rstrip("/") + "/?" + urllib.parse.urlencode({"query": query})
    with urllib.request.urlopen(urllib.request.Request(full, data=body, method="POST"), timeout=300) as r:
        return r.read()


def create_table(url, table):
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
    clickhouse(url, f"CREATE TABLE IF NOT EXISTS {table} ({columns}) "
                    "ENGINE = MergeTree PARTITION BY toYYYYMM(time) ORDER BY (project, model, time, event_id)")


def flat(event):
    model = event.get("model") or {}
    request = event.get("request") or {}
    response = event.get("response") or {}
    usage = response.get("usage") or {}
    timings = response.get("timings") or {}
    prompt = request.get("prompt") or "\n".join(m.get("content", "") for m in request.get("messages") or [])
    stamp = event["timestamp"]
    if isinstance(stamp, (int, float)):
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(stamp / 1000))
    else:
        stamp = stamp[:19].replace("T", " ")
    return {
        "event_id": event["event_id"],
        "kind": event["kind"],
        "request_id": event["request_id"],
        "time": stamp,
        "service": event.get("service", ""),
        "environment": event.get("environment", ""),
        "project": event.get("project", ""),
        "provider": model.get("provider", ""),
        "model": model.get("name", ""),
        "model_version": model.get("version", ""),
        "operation": event.get("operation") or "",
        "prompt": prompt,
        "output": response.get("output") or "",
        "status": response.get("status", ""),
        "error_type": (response.get("error") or {}).get("type", ""),
        "input_tokens": usage.get("input_tokens") or 0,
        "output_tokens": usage.get("output_tokens") or 0,
        "latency_ms": timings.get("latency_ms") or 0.0,
        "cost_usd": str(response.get("cost_usd") or ""),
    }


def flatten(source, target):
    with open(source, encoding="utf-8") as src, open(target, "w", encoding="utf-8") as out:
        for line in src:
            out.write(json.dumps(flat(json.loads(line))))
            out.write("\n")


def consume(args):
    from confluent_kafka import Consumer

    consumer = Consumer({
        "bootstrap.servers": args.brokers,
        "group.id": args.group,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        # The same fetch wait as the pipeline's consumer: the test broker holds each fetch for the
        # whole wait, so with the default (500 ms) both would measure the broker, not themselves.
        "fetch.wait.max.ms": 20,
    })
    consumer.subscribe([args.topic])
    query = f"INSERT INTO {args.table} FORMAT JSONEachRow"
    done, batch, idle_since = 0, [], time.monotonic()
    while done < args.count:
        messages = consumer.consume(num_messages=args.batch, timeout=0.5)
        for message in messages:
            if message.error():
                continue
            batch.append(json.dumps(flat(json.loads(message.value()))))
        if messages:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > args.idle_timeout:
            print(f"reference consumer: idle for {args.idle_timeout} s after {done} events", file=sys.stderr)
            return 1
        if batch and (len(batch) >= args.batch or not messages):
            clickhouse(args.clickhouse, query, ("\n".join(batch) + "\n").encode())
            consumer.commit(asynchronous=False)
            done += len(batch)
            batch = []
    consumer.close()
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-table")
    create.add_argument("url")
    create.add_argument("table")
    flat_cmd = commands.add_parser("flatten")
    flat_cmd.add_argument("source")
    flat_cmd.add_argument("target")
    run = commands.add_parser("consume")
    run.add_argument("--brokers", required=True)
    run.add_argument("--topic", required=True)
    run.add_argument("--group", required=True)
    run.add_argument("--clickhouse", required=True)
    run.add_argument("--table", required=True)
    run.add_argument("--count", type=int, required=True)
    run.add_argument("--batch", type=int, default=10000)
    run.add_argument("--idle-timeout", type=float, default=30.0)
    args = parser.parse_args()
    if args.command == "create-table":
        create_table(args.url, args.table)
    elif args.command == "flatten":
        flatten(args.source, args.target)
    else:
        sys.exit(consume(args))


if __name__ == "__main__":
    main()
