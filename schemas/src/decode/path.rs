//! Where a value sits in an event, such as `request.messages[2].role`. It is spelled out only when
//! a problem is reported, so checking a valid event builds no path strings.

use std::fmt;

#[derive(Debug, Clone, Copy)]
pub(super) enum Path<'p> {
    Root,
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Root => Ok(()),
            Self::Key(Self::Root, key) => f.write_str(key),
            Self::Key(parent, key) => write!(f, "{parent}.{key}"),
            Self::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Path;

    #[test]
    fn spells_keys_and_indexes() {
        let request = Path::Key(&Path::Root, "request");
        let messages = Path::Key(&request, "messages");
        let second = Path::Index(&messages, 2);
        assert_eq!(
            Path::Key(&second, "role").to_string(),
            "request.messages[2].role"
        );
        assert_eq!(Path::Root.to_string(), "");
    }
}
