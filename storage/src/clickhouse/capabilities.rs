//! What the connected server supports, read from its version string.

/// Features that differ between Debian's ClickHouse 18.16 and current releases. Column names never
/// differ; only their types do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    pub version: String,
    /// DateTime64, LowCardinality and TTL are all present (20.1 and later).
    pub modern: bool,
}

impl Capabilities {
    pub fn from_version(version: &str) -> Self {
        let major: u32 = version
            .split('.')
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        Self {
            version: version.to_owned(),
            modern: major >= 20,
        }
    }

    /// Millisecond time where the server has it, whole seconds where it does not.
    pub fn time_type(&self) -> &'static str {
        if self.modern {
            "DateTime64(3, 'UTC')"
        } else {
            "DateTime('UTC')"
        }
    }

    pub fn label_type(&self) -> &'static str {
        if self.modern {
            "LowCardinality(String)"
        } else {
            "String"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Capabilities;

    #[test]
    fn reads_versions() {
        assert!(!Capabilities::from_version("18.16.1").modern);
        assert!(Capabilities::from_version("25.8.2.29").modern);
        assert!(!Capabilities::from_version("garbage").modern);
    }
}
