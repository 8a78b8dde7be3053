"""Calls an OpenAI-compatible embeddings endpoint with the openai client, instrumented by
opentelemetry-instrumentation-openai-v2, and exports the spans to Sightline over OTLP/HTTP; prints
the span's ids and the usage the endpoint reported, as JSON.

usage: openai_instrumented.py OPENAI_BASE_URL OTLP_ENDPOINT API_KEY
"""

import json
import sys

import openai
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


def main():
    base_url, endpoint, key = sys.argv[1:4]
    provider = TracerProvider(resource=Resource.create({"service.name": "openai-client"}))
    provider.add_span_processor(SimpleSpanProcessor(
        OTLPSpanExporter(endpoint=endpoint, headers={"Authorization": f"Bearer {key}"})))
    sent = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(sent))
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    client = openai.OpenAI(base_url=base_url, api_key="unused")
    response = client.embeddings.create(model="minilm", input=["hello world", "a second text"])
    provider.shutdown()
    spans = sent.get_finished_spans()
    if len(spans) != 1:
        sys.exit(f"expected one span, got {[s.name for s in spans]}")
    context = spans[0].get_span_context()
    print(json.dumps({
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
        "prompt_tokens": response.usage.prompt_tokens,
        "vectors": len(response.data),
        "dimensions": len(response.data[0].embedding),
    }))


if __name__ == "__main__":
    main()
