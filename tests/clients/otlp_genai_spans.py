"""Makes one trace of GenAI spans with the real OpenTelemetry SDK and prints the ids it made as JSON.

The trace: a server span that is not an LLM call, wrapping a chat call in the current conventions,
a call as OpenLLMetry records it, a failed call in the older span-event form, and a tool call.

usage: otlp_genai_spans.py http ENDPOINT API_KEY [--gzip]
           sends the spans with the SDK's OTLP/HTTP protobuf exporter, as an instrumented service would
       otlp_genai_spans.py proto FILE
           writes them as one ExportTraceServiceRequest in protobuf, the message the OpenTelemetry
           Collector's Kafka exporter publishes as otlp_proto
"""

import json
import sys

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode


class Checked(SpanExporter):
    """Keeps each export's result, so a refused export fails the run instead of only logging."""

    def __init__(self, inner):
        self.inner, self.results = inner, []

    def export(self, spans):
        result = self.inner.export(spans)
        self.results.append(result)
        return result

    def shutdown(self):
        self.inner.shutdown()


def main():
    mode = sys.argv[1]
    if mode == "http":
        endpoint, key = sys.argv[2], sys.argv[3]
        compression = Compression.Gzip if "--gzip" in sys.argv[4:] else Compression.NoCompression
        exporter = Checked(OTLPSpanExporter(
            endpoint=endpoint, headers={"Authorization": f"Bearer {key}"}, compression=compression))
    elif mode == "proto":
        exporter = InMemorySpanExporter()
    else:
        sys.exit(__doc__)
    provider = TracerProvider(resource=Resource.create({
        "service.name": "otel-support-bot",
        "deployment.environment.name": "staging",
        "sightline.project": "acme",
    }))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("sightline.tests.otlp")
    ids = {}

    def record(name, span):
        ids[name] = format(span.get_span_context().span_id, "016x")

    with tracer.start_as_current_span("POST /answer") as root:
        record("root", root)
        with tracer.start_as_current_span("chat gpt-4o-mini") as span:
            record("current", span)
            span.set_attributes({
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
                "gen_ai.request.temperature": 0.2,
                "gen_ai.request.max_tokens": 256,
                "gen_ai.usage.input_tokens": 21,
                "gen_ai.usage.output_tokens": 9,
                "gen_ai.usage.cache_read.input_tokens": 16,
                "gen_ai.response.finish_reasons": ["stop"],
                "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [
                    {"type": "text", "content": "Where is my order 1234?"}]}]),
                "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [
                    {"type": "text", "content": "It ships tomorrow."}], "finish_reason": "stop"}]),
                "session.id": "s-42",
            })
        with tracer.start_as_current_span("openai.chat") as span:
            record("openllmetry", span)
            span.set_attributes({
                "gen_ai.system": "openai",
                "llm.request.type": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.response.model": "gpt-4o-2024-08-06",
                "gen_ai.usage.prompt_tokens": 33,
                "gen_ai.usage.completion_tokens": 5,
                "gen_ai.prompt.0.role": "system",
                "gen_ai.prompt.0.content": "You are terse.",
                "gen_ai.prompt.1.role": "user",
                "gen_ai.prompt.1.content": "Say yes.",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.content": "Yes.",
                "gen_ai.completion.0.finish_reason": "stop",
            })
        with tracer.start_as_current_span("chat claude-3-5-haiku") as span:
            record("failed", span)
            span.set_attributes({
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "anthropic",
                "gen_ai.request.model": "claude-3-5-haiku",
                "gen_ai.usage.input_tokens": 12,
                "error.type": "timeout",
            })
            span.add_event("gen_ai.content.prompt", {
                "gen_ai.prompt": json.dumps([{"role": "user", "content": "Draft the reply."}])})
            span.set_status(Status(StatusCode.ERROR, "upstream timed out after 30s"))
        with tracer.start_as_current_span("execute_tool lookup_order") as span:
            record("tool", span)
            span.set_attribute("gen_ai.operation.name", "execute_tool")
        trace_id = format(root.get_span_context().trace_id, "032x")
    if mode == "proto":
        with open(sys.argv[2], "wb") as out:
            out.write(encode_spans(exporter.get_finished_spans()).SerializeToString())
    provider.shutdown()
    if mode == "http":
        failed = [r for r in exporter.results if r != SpanExportResult.SUCCESS]
        if failed or len(exporter.results) != 5:
            sys.exit(f"exports: {exporter.results}")
    print(json.dumps({"trace_id": trace_id, "spans": ids}))


if __name__ == "__main__":
    main()
