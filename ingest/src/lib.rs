//! Sources, decoding, the request/response join, micro-batching, acknowledgement and the dead-letter queue.
