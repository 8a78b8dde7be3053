//! What a source's messages are: Sightline's own JSON events, or OTLP trace exports as the
//! OpenTelemetry Collector's Kafka exporter writes them.

use serde::Deserialize;

use crate::otlp::Encoding;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageFormat {
    /// One event per message, as `schemas/inference-event.v1.schema.json` describes.
    #[default]
    Sightline,
    /// An `ExportTraceServiceRequest` in protobuf per message (the exporter's `otlp_proto`).
    OtlpProto,
    /// The same in OTLP/JSON (`otlp_json`).
    OtlpJson,
}

impl MessageFormat {
    pub const NAMES: [&str; 3] = ["sightline", "otlp_proto", "otlp_json"];

    /// The OTLP encoding, for the two OTLP formats.
    pub fn otlp(self) -> Option<Encoding> {
        match self {
            Self::Sightline => None,
            Self::OtlpProto => Some(Encoding::Protobuf),
            Self::OtlpJson => Some(Encoding::Json),
        }
    }
}

impl std::str::FromStr for MessageFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sightline" => Ok(Self::Sightline),
            "otlp_proto" => Ok(Self::OtlpProto),
            "otlp_json" => Ok(Self::OtlpJson),
            other => Err(format!(
                "{other:?} is not a message format: use one of {}",
                Self::NAMES.join(", ")
            )),
        }
    }
}
