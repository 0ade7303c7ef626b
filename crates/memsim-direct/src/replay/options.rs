//! Replay options, named after Netty's settings, and how each version resolves them into its
//! allocator's configuration with the defaults its static initializer computes.

use super::ReplayPool;
use crate::NettyVersion;
use crate::accounting::NettyCap;
use crate::netty41::{Netty41Config, Netty41Pool};
use crate::netty4118::{self, Netty4118Config, Netty4118Pool};

/// Netty 4.1.48's default chunk size (`8192 << 11`), which its default arena count uses whatever
/// page size and max order a constructor is given.
pub const DEFAULT_CHUNK_SIZE: u64 = 8192 << 11;

/// Netty's smallest page size (`PoolArena`'s `pageSize` check).
pub const MIN_PAGE_SIZE: u64 = 4096;
/// Netty's largest `maxOrder`.
pub const MAX_ORDER: u32 = 14;
/// Netty's largest chunk, `pageSize << maxOrder` (`PooledByteBufAllocator.MAX_CHUNK_SIZE`).
pub const MAX_CHUNK_SIZE: u64 = 1 << 30;
/// Most direct arenas: the scenarios' limit (Netty has none, but each arena is real memory).
pub const MAX_ARENAS: u32 = 1024;
/// Most processors, as scenarios' `machine.cores`.
pub const MAX_CORES: u32 = 1024;
/// Largest thread-cache size: a Java `int`.
pub const MAX_CACHE_SIZE: u32 = i32::MAX as u32;

/// Replay settings, named after Netty's; `None` = Netty's default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayOptions {
    /// The allocator modelled (`--netty`, default 4.1.48).
    pub netty: NettyVersion,
    /// `io.netty.allocator.numDirectArenas`, at most [`MAX_ARENAS`].
    pub arenas: Option<u32>,
    /// `io.netty.allocator.pageSize` (8192): a power of two, at least [`MIN_PAGE_SIZE`].
    pub page_size: Option<u64>,
    /// `io.netty.allocator.maxOrder` (11 in 4.1.48, 9 in 4.1.118), at most [`MAX_ORDER`];
    /// `pageSize << maxOrder` is at most [`MAX_CHUNK_SIZE`].
    pub max_order: Option<u32>,
    /// `io.netty.allocator.tinyCacheSize` (512; 4.1.48 only, refused for later versions).
    pub tiny_cache_size: Option<u32>,
    /// `io.netty.allocator.smallCacheSize` (256).
    pub small_cache_size: Option<u32>,
    /// `io.netty.allocator.normalCacheSize` (64).
    pub normal_cache_size: Option<u32>,
    /// `io.netty.allocator.useCacheForAllThreads` (true in 4.1.48, false in 4.1.118).
    pub use_cache_for_all_threads: Option<bool>,
    /// `io.netty.maxDirectMemory` (−1: Netty's counter capped at the JVM's max direct memory).
    pub max_direct_memory: Option<i64>,
    /// `io.netty.availableProcessors`, which the default arena count uses (2), 1 to [`MAX_CORES`].
    pub cores: u32,
    /// The JVM's `-XX:MaxDirectMemorySize` (1 GiB, as the harness runs the real JVM).
    pub jvm_max_direct_memory: u64,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            netty: NettyVersion::Netty4148,
            arenas: None,
            page_size: None,
            max_order: None,
            tiny_cache_size: None,
            small_cache_size: None,
            normal_cache_size: None,
            use_cache_for_all_threads: None,
            max_direct_memory: None,
            cores: 2,
            jvm_max_direct_memory: 1 << 30,
        }
    }
}

/// Why a replay could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The trace has a syntax error.
    #[error("trace line {line}: {message}")]
    Trace {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An option is out of Netty's range.
    #[error("{0}")]
    Option(String),
    /// The report could not be written.
    #[error("cannot write the report: {message}")]
    Write {
        /// The I/O error's kind.
        kind: std::io::ErrorKind,
        /// Its text.
        message: String,
    },
}

/// A resolved allocator configuration of one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolSettings {
    /// Netty 4.1.48.
    Netty4148(Netty41Config),
    /// Netty 4.1.118.
    Netty41118(Netty4118Config),
}

impl PoolSettings {
    /// A fresh pool with these settings.
    pub(crate) fn new_pool(&self) -> Box<dyn ReplayPool> {
        match self {
            PoolSettings::Netty4148(c) => Box::new(Netty41Pool::new(*c)),
            PoolSettings::Netty41118(c) => Box::new(Netty4118Pool::new(*c)),
        }
    }

    /// Direct arenas.
    pub fn n_arenas(&self) -> u32 {
        match self {
            PoolSettings::Netty4148(c) => c.n_arenas,
            PoolSettings::Netty41118(c) => c.n_arenas,
        }
    }
}

impl ReplayOptions {
    /// The 4.1.48 allocator configuration and the cap, as Netty would resolve them.
    ///
    /// # Errors
    /// As [`ReplayOptions::resolve_settings`], and [`ReplayError::Option`] when
    /// [`ReplayOptions::netty`] is not 4.1.48.
    pub fn resolve(&self) -> Result<(Netty41Config, NettyCap), ReplayError> {
        match self.resolve_settings()? {
            (PoolSettings::Netty4148(c), cap) => Ok((c, cap)),
            (other, _) => Err(ReplayError::Option(format!(
                "resolve() is 4.1.48's; these options are for {other:?}"
            ))),
        }
    }

    /// The allocator settings of [`ReplayOptions::netty`] and the cap, as that Netty would resolve
    /// them (defaults from its static initializer: 4.1.48's 16 MiB chunks, tiny caches and caches
    /// for all threads; 4.1.118's 4 MiB chunks and no caches for plain threads).
    ///
    /// # Errors
    /// [`ReplayError::Option`] with Netty's own complaint for an impossible page size or max order
    /// (checked without overflow), for arenas, processors or cache sizes out of range, and for a
    /// tiny cache size given to a version without tiny caches.
    pub fn resolve_settings(&self) -> Result<(PoolSettings, NettyCap), ReplayError> {
        let default_max_order = match self.netty {
            NettyVersion::Netty4148 => 11,
            NettyVersion::Netty41118 => netty4118::DEFAULT_MAX_ORDER,
        };
        if !self.netty.has_tiny() && self.tiny_cache_size.is_some() {
            // 4.1.118 stands for 4.2.13's pooled allocator too, which has none either.
            return Err(ReplayError::Option(
                "--tiny-cache-size: Netty 4.1.118 and 4.2.13 have no tiny caches (they went in 4.1.52)"
                    .into(),
            ));
        }
        let page_size = self.page_size.unwrap_or(8192);
        let max_order = self.max_order.unwrap_or(default_max_order);
        if page_size < MIN_PAGE_SIZE || !page_size.is_power_of_two() {
            return Err(ReplayError::Option(format!(
                "pageSize: {page_size} (expected: a power of 2 ≥ {MIN_PAGE_SIZE})"
            )));
        }
        if max_order > MAX_ORDER {
            return Err(ReplayError::Option(format!(
                "maxOrder: {max_order} (expected: 0-{MAX_ORDER})"
            )));
        }
        // `page_size << max_order` without the shift: a page size near 2^64 would shift to 0.
        if page_size > MAX_CHUNK_SIZE >> max_order {
            return Err(ReplayError::Option(format!(
                "pageSize ({page_size}) << maxOrder ({max_order}) must not exceed {MAX_CHUNK_SIZE}"
            )));
        }
        if let Some(n) = self.arenas
            && n > MAX_ARENAS
        {
            return Err(ReplayError::Option(format!(
                "numDirectArenas: {n} (expected: 0-{MAX_ARENAS}, as scenarios allow)"
            )));
        }
        if !(1..=MAX_CORES).contains(&self.cores) {
            return Err(ReplayError::Option(format!(
                "availableProcessors: {} (expected: 1-{MAX_CORES})",
                self.cores
            )));
        }
        for (name, size) in [
            ("tinyCacheSize", self.tiny_cache_size),
            ("smallCacheSize", self.small_cache_size),
            ("normalCacheSize", self.normal_cache_size),
        ] {
            if let Some(size) = size
                && size > MAX_CACHE_SIZE
            {
                return Err(ReplayError::Option(format!(
                    "{name}: {size} (expected: 0-{MAX_CACHE_SIZE}, a Java int)"
                )));
            }
        }
        let cap = NettyCap::from_property(
            self.max_direct_memory.unwrap_or(-1),
            self.jvm_max_direct_memory,
        );
        let limit = cap.max_direct_memory(self.jvm_max_direct_memory);
        // min(2·cores, maxDirectMemory / default chunk / 2 / 3): both at most 2048 here. The
        // default chunk is the version's default, whatever page size and max order are given.
        let default_chunk = 8192u64 << default_max_order;
        let default_arenas = (2 * u64::from(self.cores)).min(limit / default_chunk / 2 / 3);
        let default_arenas = u32::try_from(default_arenas).unwrap_or(u32::MAX);
        let n_arenas = self.arenas.unwrap_or(default_arenas);
        let small_cache_size = self.small_cache_size.unwrap_or(256);
        let normal_cache_size = self.normal_cache_size.unwrap_or(64);
        let settings = match self.netty {
            NettyVersion::Netty4148 => PoolSettings::Netty4148(Netty41Config {
                page_size,
                max_order,
                n_arenas,
                tiny_cache_size: self.tiny_cache_size.unwrap_or(512),
                small_cache_size,
                normal_cache_size,
                use_cache_for_all_threads: self.use_cache_for_all_threads.unwrap_or(true),
            }),
            NettyVersion::Netty41118 => PoolSettings::Netty41118(Netty4118Config {
                page_size,
                max_order,
                n_arenas,
                small_cache_size,
                normal_cache_size,
                use_cache_for_all_threads: self.use_cache_for_all_threads.unwrap_or(false),
            }),
        };
        Ok((settings, cap))
    }
}
