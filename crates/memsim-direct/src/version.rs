//! Which Netty allocator a replay or a scenario models.
//!
//! One variant per modelled allocator, parsed from the name users write (`--netty`, the scenario's
//! `netty.model`). A new model is a new variant here, its name in [`NettyVersion::NAMES`], and one
//! match arm where the pools are built (`replay::options` and the engine).

use std::fmt;
use std::str::FromStr;

/// A modelled Netty allocator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum NettyVersion {
    /// Netty 4.1.48's `PooledByteBufAllocator` (buddy tree, tiny caches, 16 MiB chunks).
    #[default]
    Netty4148,
    /// Netty 4.1.118's `PooledByteBufAllocator` (size classes, runs, 4 MiB chunks); also Netty
    /// 4.2.13's `PooledByteBufAllocator`, which behaves the same (`4.2.13-pooled`).
    Netty41118,
}

impl NettyVersion {
    /// Every accepted name and what it parses to (aliases included), in the order messages list them.
    pub const NAMES: &'static [(&'static str, NettyVersion)] = &[
        ("4.1.48", NettyVersion::Netty4148),
        ("4.1.118", NettyVersion::Netty41118),
        // 4.2.13's `PooledByteBufAllocator` (not 4.2's default allocator) places, fails and
        // counts as 4.1.118's on every differential trace (`tests/netty4118_diff.rs`).
        ("4.2.13-pooled", NettyVersion::Netty41118),
    ];

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            NettyVersion::Netty4148 => "4.1.48",
            NettyVersion::Netty41118 => "4.1.118",
        }
    }

    /// Whether the allocator has tiny caches and tiny metrics (4.1.48 only).
    pub fn has_tiny(self) -> bool {
        self == NettyVersion::Netty4148
    }
}

impl fmt::Display for NettyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown version name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Netty version `{given}` (expected one of: {expected})")]
pub struct UnknownNettyVersion {
    /// The name given (escaped for a message).
    pub given: String,
    /// The accepted names, comma-separated.
    pub expected: String,
}

impl FromStr for NettyVersion {
    type Err = UnknownNettyVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NettyVersion::NAMES
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, v)| *v)
            .ok_or_else(|| UnknownNettyVersion {
                given: memsim_core::quote::escape_for_message(s),
                expected: NettyVersion::NAMES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_listed() {
        for (name, v) in NettyVersion::NAMES {
            assert_eq!(name.parse::<NettyVersion>(), Ok(*v));
        }
        assert_eq!(NettyVersion::Netty41118.to_string(), "4.1.118");
        assert_eq!("4.2.13-pooled".parse(), Ok(NettyVersion::Netty41118));
        let e = "4.1.49".parse::<NettyVersion>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown Netty version `4.1.49` (expected one of: 4.1.48, 4.1.118, 4.2.13-pooled)"
        );
    }
}
