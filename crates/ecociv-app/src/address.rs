//! Address ranges for the management allow-list (`--admin-allow 10.8.0.0/16,192.168.1.20`): an
//! IPv4 or IPv6 network in CIDR notation, or a single address. The policy decides with them
//! ([`crate::policy::require_management_address`]).

use std::net::IpAddr;
use std::str::FromStr;

use ecociv_i18n::Msg;

/// A network (`10.8.0.0/16`, `fd00::/8`) or one address (`192.168.1.20`, a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressRange {
    network: IpAddr,
    prefix: u8,
}

impl AddressRange {
    /// Whether `ip` lies in the range. An IPv4 address a dual-stack listener reports as
    /// IPv4-mapped IPv6 (`::ffff:10.8.0.1`) counts as the IPv4 address it is.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                mask32(u32::from(a), self.prefix) == mask32(u32::from(n), self.prefix)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                mask128(u128::from(a), self.prefix) == mask128(u128::from(n), self.prefix)
            }
            _ => false,
        }
    }
}

fn mask32(v: u32, prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        v & (u32::MAX << (32 - u32::from(prefix)))
    }
}

fn mask128(v: u128, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        v & (u128::MAX << (128 - u32::from(prefix)))
    }
}

impl FromStr for AddressRange {
    type Err = Msg;

    fn from_str(s: &str) -> Result<AddressRange, Msg> {
        let text = s.trim();
        let bad = || Msg::InvalidAddressRange {
            text: text.to_owned(),
        };
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network = IpAddr::from_str(addr).map_err(|_| bad())?.to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max && !p.starts_with('+') => n,
                _ => return Err(bad()),
            },
        };
        Ok(AddressRange { network, prefix })
    }
}

impl std::fmt::Display for AddressRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_hold_the_addresses_of_their_network() {
        let r: AddressRange = "10.8.0.0/16".parse().unwrap();
        assert!(r.contains(ip("10.8.3.4")));
        assert!(!r.contains(ip("10.9.0.1")));
        assert!(r.contains(ip("::ffff:10.8.0.1")), "IPv4-mapped IPv6");
        assert!(!r.contains(ip("fd00::1")));
        let one: AddressRange = "192.168.1.20".parse().unwrap();
        assert!(one.contains(ip("192.168.1.20")));
        assert!(!one.contains(ip("192.168.1.21")));
        let v6: AddressRange = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")));
        assert!(!v6.contains(ip("fe80::1")));
        let all: AddressRange = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        assert_eq!(one.to_string(), "192.168.1.20/32");
    }

    #[test]
    fn malformed_ranges_are_refused_with_the_text() {
        for bad in [
            "",
            "10.8.0.0/33",
            "10.8.0/16",
            "example.org",
            "fd00::/129",
            "10.0.0.0/+8",
        ] {
            let e = bad.parse::<AddressRange>().unwrap_err();
            assert_eq!(
                e,
                Msg::InvalidAddressRange {
                    text: bad.to_owned()
                }
            );
        }
    }
}
