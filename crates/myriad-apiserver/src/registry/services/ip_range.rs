//! One service IP range (`--service-cluster-ip-range`, a ServiceCIDR's `spec.cidrs`):
//! which addresses it holds, which of them may be handed out, and in what order a
//! dynamic allocation tries them. Addresses are numbered by their offset from the
//! network address, so both families share one arithmetic.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IP family, as a Service's `spec.ipFamilies` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    V4,
    V6,
}

impl Family {
    pub(crate) fn of(ip: &IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    /// The name in `spec.ipFamilies` and in the `ipaddress.kubernetes.io/ip-family` label.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Family> {
        match name {
            "IPv4" => Some(Family::V4),
            "IPv6" => Some(Family::V6),
            _ => None,
        }
    }

    pub(crate) fn other(self) -> Family {
        match self {
            Family::V4 => Family::V6,
            Family::V6 => Family::V4,
        }
    }

    fn bits(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
}

/// A CIDR block, its address masked to the network address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IpRange {
    network: u128,
    prefix: u8,
    family: Family,
}

impl IpRange {
    /// Parses `10.96.0.0/12` or `fd00:10:96::/112`; host bits are masked off, as Go's
    /// `net.ParseCIDR` does.
    pub(crate) fn parse(text: &str) -> Result<IpRange, String> {
        let (address, prefix) = text
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("{text:?} is not a CIDR (address/prefix)"))?;
        let ip: IpAddr = address
            .parse()
            .map_err(|_| format!("{text:?} is not a CIDR: bad address {address:?}"))?;
        let family = Family::of(&ip);
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= family.bits())
            .ok_or_else(|| format!("{text:?} is not a CIDR: bad prefix length {prefix:?}"))?;
        let host_bits = u32::from(family.bits() - prefix);
        let mask = if host_bits >= 128 { 0 } else { !0u128 << host_bits };
        Ok(IpRange {
            network: to_number(&ip) & mask,
            prefix,
            family,
        })
    }

    pub(crate) fn family(&self) -> Family {
        self.family
    }

    /// How many addresses the block holds (capped at 2^64 for huge IPv6 blocks, which
    /// no allocation comes near).
    fn size(&self) -> u128 {
        let host_bits = u32::from(self.family.bits() - self.prefix).min(64);
        1u128 << host_bits
    }

    fn offset_of(&self, ip: &IpAddr) -> Option<u128> {
        if Family::of(ip) != self.family {
            return None;
        }
        let offset = to_number(ip).checked_sub(self.network)?;
        (offset < self.size()).then_some(offset)
    }

    /// Whether `ip` may be allocated: inside the block, not its network address and,
    /// for IPv4, not its broadcast address.
    pub(crate) fn allocatable(&self, ip: &IpAddr) -> bool {
        self.offset_of(ip)
            .is_some_and(|offset| offset >= 1 && offset < self.last_offset())
    }

    /// One past the last allocatable offset.
    fn last_offset(&self) -> u128 {
        match self.family {
            Family::V4 if self.size() > 2 => self.size() - 1,
            _ => self.size(),
        }
    }

    pub(crate) fn at(&self, offset: u128) -> IpAddr {
        from_number(self.network + offset, self.family)
    }

    /// The first allocatable address (the `kubernetes` Service's cluster IP).
    pub(crate) fn first(&self) -> IpAddr {
        self.at(1)
    }

    /// The offsets a dynamic allocation draws from, in the order to try them: the
    /// upper part of the block first, the low "static" band (left for addresses users
    /// pick themselves: `min(max(16, size/16), 256)` addresses) only once the rest is
    /// taken.
    pub(crate) fn bands(&self) -> [std::ops::Range<u128>; 2] {
        let band = (self.size() / 16).clamp(16, 256);
        let split = (1 + band).min(self.last_offset());
        [split..self.last_offset(), 1..split]
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", from_number(self.network, self.family), self.prefix)
    }
}

fn to_number(ip: &IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(*v4)),
        IpAddr::V6(v6) => u128::from(*v6),
    }
}

fn from_number(number: u128, family: Family) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::from(u32::try_from(number).unwrap_or(u32::MAX))),
        Family::V6 => IpAddr::V6(Ipv6Addr::from(number)),
    }
}

/// Parses an address the way a Service names it. Go's parser accepts IPv4 with
/// leading zeros (`010.0.0.1`); validation has already refused what is not an address.
pub(crate) fn parse_ip(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (octet, part) in octets.iter_mut().zip(parts) {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    Some(IpAddr::V4(Ipv4Addr::from(octets)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_mask_count_and_split_into_bands() {
        let range = IpRange::parse("10.96.0.5/12").unwrap();
        assert_eq!(range.to_string(), "10.96.0.0/12");
        assert_eq!(range.first().to_string(), "10.96.0.1");
        assert!(range.allocatable(&"10.111.255.254".parse().unwrap()));
        assert!(!range.allocatable(&"10.111.255.255".parse().unwrap()), "broadcast");
        assert!(!range.allocatable(&"10.96.0.0".parse().unwrap()), "network");
        assert!(!range.allocatable(&"10.112.0.0".parse().unwrap()));
        let [upper, lower] = range.bands();
        assert_eq!(lower, 1..257);
        assert_eq!(upper, 257..(1 << 20) - 1);

        let small = IpRange::parse("10.0.0.0/28").unwrap();
        let [upper, lower] = small.bands();
        assert_eq!(
            (upper, lower),
            (15..15, 1..15),
            "a block smaller than the band is all static"
        );

        let v6 = IpRange::parse("fd00::/108").unwrap();
        assert_eq!(v6.family(), Family::V6);
        assert_eq!(v6.first().to_string(), "fd00::1");
        assert!(v6.allocatable(&"fd00::f:ffff".parse().unwrap()));
        assert!(!v6.allocatable(&"10.0.0.1".parse().unwrap()));
    }

    #[test]
    fn bad_ranges_and_sloppy_addresses() {
        assert!(IpRange::parse("10.0.0.0").is_err());
        assert!(IpRange::parse("10.0.0.0/33").is_err());
        assert!(IpRange::parse("nope/8").is_err());
        assert_eq!(parse_ip("010.000.000.001"), Some("10.0.0.1".parse().unwrap()));
        assert_eq!(parse_ip("fd00::1"), Some("fd00::1".parse().unwrap()));
        assert_eq!(parse_ip("1.2.3"), None);
    }
}
