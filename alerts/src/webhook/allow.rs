//! Which hosts webhooks may go to. Rules name their own URLs, and labels fill them in, so without
//! a list a rule could make the monitor call anything it can reach: a metadata service, an admin
//! port (server-side request forgery). Entries are host names, matched exactly, or IP networks
//! (`10.0.0.0/8`, `::1`); an IP literal in a URL must fall in a listed network. Names are not
//! resolved and compared, so a name is allowed only by being listed.

use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Host(String),
    Network(IpAddr, u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowlist {
    entries: Vec<Entry>,
}

/// Loopback, which the default list always holds.
pub const LOOPBACK: [&str; 3] = ["localhost", "127.0.0.0/8", "::1"];

impl Allowlist {
    /// Parses entries: host names, IP addresses, or networks in CIDR form.
    pub fn new<S: AsRef<str>>(entries: impl IntoIterator<Item = S>) -> Result<Self, String> {
        let entries = entries
            .into_iter()
            .map(|e| parse(e.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(Self { entries })
    }

    /// Loopback and the hosts of the given URLs.
    pub fn loopback_and<S: AsRef<str>>(urls: impl IntoIterator<Item = S>) -> Self {
        let mut entries: Vec<Entry> = LOOPBACK.iter().filter_map(|e| parse(e).ok()).collect();
        for url in urls {
            let Ok(parsed) = reqwest::Url::parse(url.as_ref()) else {
                continue;
            };
            let entry = match parsed.host() {
                Some(url::Host::Domain(d)) => Entry::Host(d.to_ascii_lowercase()),
                Some(url::Host::Ipv4(ip)) => Entry::Network(ip.into(), 32),
                Some(url::Host::Ipv6(ip)) => Entry::Network(ip.into(), 128),
                None => continue,
            };
            if !entries.contains(&entry) {
                entries.push(entry);
            }
        }
        Self { entries }
    }

    /// Whether a URL may be called; the error says why not.
    pub fn check(&self, url: &reqwest::Url) -> Result<(), String> {
        let allowed = match url.host() {
            Some(url::Host::Domain(d)) => {
                let d = d.to_ascii_lowercase();
                self.entries.iter().any(|e| *e == Entry::Host(d.clone()))
            }
            Some(url::Host::Ipv4(ip)) => self.contains(ip.into()),
            Some(url::Host::Ipv6(ip)) => self.contains(ip.into()),
            None => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(format!(
                "host {} is not on the webhook allowlist (alerts.allowed_hosts)",
                url.host_str().unwrap_or("(none)")
            ))
        }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        self.entries.iter().any(|e| match e {
            Entry::Network(net, bits) => in_network(ip, *net, *bits),
            Entry::Host(_) => false,
        })
    }
}

fn parse(entry: &str) -> Result<Entry, String> {
    let entry = entry.trim();
    let (address, bits) = match entry.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (entry, None),
    };
    match address.parse::<IpAddr>() {
        Ok(ip) => {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits =
                match bits {
                    None => max,
                    Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(|| {
                        format!("{entry:?}: the prefix length must be 0 to {max}")
                    })?,
                };
            Ok(Entry::Network(ip, bits))
        }
        Err(_) if bits.is_none() && !entry.is_empty() && !entry.contains([':', ' ']) => {
            Ok(Entry::Host(entry.to_ascii_lowercase()))
        }
        Err(_) => Err(format!(
            "{entry:?} is neither a host name nor an IP network"
        )),
    }
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(a.to_bits()), u128::from(b.to_bits()), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (a.to_bits(), b.to_bits(), 128),
        // An IPv4-mapped IPv6 address is its IPv4 address.
        (IpAddr::V6(a), IpAddr::V4(_)) => {
            return a
                .to_ipv4_mapped()
                .is_some_and(|v4| in_network(v4.into(), net, bits));
        }
        (IpAddr::V4(_), IpAddr::V6(_)) => return false,
    };
    let shift = width - u32::from(bits);
    shift >= width || (ip >> shift) == (net >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(u: &str) -> reqwest::Url {
        reqwest::Url::parse(u).unwrap()
    }

    #[test]
    fn loopback_and_configured_targets_only() {
        let list =
            Allowlist::loopback_and(["http://node.internal:8080/admin", "http://10.1.2.3/x"]);
        for ok in [
            "http://127.0.0.1:9/",
            "http://127.9.9.9/",
            "http://[::1]/",
            "http://localhost/",
            "http://NODE.internal/",
            "http://10.1.2.3/",
        ] {
            assert_eq!(list.check(&url(ok)), Ok(()), "{ok}");
        }
        for refused in [
            "http://169.254.169.254/latest/meta-data",
            "http://10.1.2.4/",
            "http://evil.example/",
            "http://[::ffff:169.254.169.254]/",
        ] {
            assert!(list.check(&url(refused)).is_err(), "{refused}");
        }
    }

    #[test]
    fn networks_and_bad_entries() {
        let list = Allowlist::new(["10.0.0.0/8", "hooks.example.com"]).unwrap();
        assert_eq!(list.check(&url("http://10.200.0.1/")), Ok(()));
        assert_eq!(list.check(&url("https://hooks.example.com/a")), Ok(()));
        assert!(list.check(&url("http://127.0.0.1/")).is_err());
        assert!(list.check(&url("http://[::ffff:10.0.0.1]/")).is_ok());
        assert!(Allowlist::new(["10.0.0.0/33"]).is_err());
        assert!(Allowlist::new(["not a host"]).is_err());
    }
}
