//! ClickHouse failures, sorted into the ones worth retrying and the ones that are not.

/// An error from the server or the way to it.
#[derive(Debug, thiserror::Error)]
pub enum ClickhouseError {
    /// The server could not be reached or did not answer in time; trying again can succeed.
    #[error("{context}: {message}")]
    Unavailable { context: String, message: String },
    /// The server refused the request. `code` is ClickHouse's error code when it gave one.
    #[error("{context}: ClickHouse error {code:?}: {message}")]
    Refused {
        context: String,
        code: Option<u32>,
        message: String,
    },
}

/// Codes meaning "this data is bad", as opposed to "this setup is wrong".
const BAD_DATA_CODES: [u32; 8] = [6, 27, 32, 33, 38, 53, 69, 117];

/// Codes meaning the server is in trouble for now: overloaded, out of memory or disk, too many
/// parts, read-only while its keeper is away. An operator or the server's own merges fix these, so
/// the sink waits rather than stops: 75 is a failed write, which a full disk gives.
const SERVER_TROUBLE_CODES: [u32; 11] = [75, 159, 164, 202, 209, 210, 241, 242, 243, 252, 999];

impl ClickhouseError {
    pub(crate) fn from_client(error: ::clickhouse::error::Error, context: &str) -> Self {
        use ::clickhouse::error::Error;
        let context = context.to_owned();
        match error {
            Error::Network(e) => Self::Unavailable {
                context,
                message: e.to_string(),
            },
            Error::TimedOut => Self::Unavailable {
                context,
                message: "timed out".into(),
            },
            Error::BadResponse(message) => {
                let code = parse_code(&message);
                // 5xx without a code is the server's trouble too.
                if code.is_none_or(|c| SERVER_TROUBLE_CODES.contains(&c)) {
                    Self::Unavailable { context, message }
                } else {
                    Self::Refused {
                        context,
                        code,
                        message,
                    }
                }
            }
            other => Self::Refused {
                context,
                code: None,
                message: other.to_string(),
            },
        }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }

    /// The data itself was rejected, so splitting the batch can isolate the bad rows.
    pub fn is_bad_data(&self) -> bool {
        matches!(self, Self::Refused { code: Some(c), .. } if BAD_DATA_CODES.contains(c))
    }
}

/// Finds `Code: 117` in a ClickHouse error message.
pub(crate) fn parse_code(message: &str) -> Option<u32> {
    let rest = &message[message.find("Code: ")? + 6..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::parse_code;

    #[test]
    fn finds_codes() {
        assert_eq!(
            parse_code("Code: 117, e.displayText() = DB::Exception: bad"),
            Some(117)
        );
        assert_eq!(
            parse_code("Code: 60. DB::Exception: Table x doesn't exist"),
            Some(60)
        );
        assert_eq!(parse_code("502 Bad Gateway"), None);
    }
}
