//! The settings a search may change ([`Knob`]) and what it maximizes ([`Objective`]).

use std::fmt;

use crate::SearchError;

/// A setting `memsim recommend --vary` may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Knob {
    /// The maximum heap (`-Xmx`; `-Xms` follows when the scenario sets them equal).
    Heap,
    /// The database's page cache (`server.memory.pagecache.size`).
    PageCache,
    /// `-XX:MaxDirectMemorySize`, which also caps Netty's pool when `io.netty.maxDirectMemory` is unset.
    MaxDirect,
    /// The thread stack size (`-Xss`): what each of the workload's threads reserves. The number of
    /// threads is the workload's, not a setting.
    Threads,
}

impl Knob {
    /// Every knob, in `--vary`'s order.
    pub const ALL: [Knob; 4] = [Knob::Heap, Knob::PageCache, Knob::MaxDirect, Knob::Threads];

    /// The name `--vary` takes.
    pub const fn name(self) -> &'static str {
        match self {
            Knob::Heap => "heap",
            Knob::PageCache => "page_cache",
            Knob::MaxDirect => "max_direct",
            Knob::Threads => "threads",
        }
    }

    /// The scenario key it overrides.
    pub const fn key(self) -> &'static str {
        match self {
            Knob::Heap => "jvm.heap.max",
            Knob::PageCache => "page_cache.size",
            Knob::MaxDirect => "jvm.max_direct_memory",
            Knob::Threads => "jvm.thread_stack",
        }
    }

    /// The largest value the scenario format accepts for it, so the search never proposes one it
    /// refuses: the page cache is modelled up to 1 TiB (memsim-scenario `build/page_cache.rs`),
    /// `-Xss` up to HotSpot's 1 GiB (`build/limits.rs`); sizes otherwise up to 2^52 bytes
    /// (`syntax.rs`).
    pub const fn max_bytes(self) -> u64 {
        match self {
            Knob::PageCache => 1 << 40,
            Knob::Threads => 1 << 30,
            Knob::Heap | Knob::MaxDirect => 1 << 52,
        }
    }

    /// Reads a `--vary` name.
    ///
    /// # Errors
    /// [`SearchError::Request`] for an unknown name.
    pub fn parse(name: &str) -> Result<Knob, SearchError> {
        Knob::ALL
            .into_iter()
            .find(|k| k.name() == name.trim())
            .ok_or_else(|| {
                SearchError::Request(format!(
                    "--vary {name}: unknown setting; choose from heap, page_cache, max_direct, threads"
                ))
            })
    }
}

impl fmt::Display for Knob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What `memsim recommend` makes as large as the limit allows, the other varied settings held at
/// their floors (the smallest values that run the workload without errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// The largest page cache.
    MaxPageCache,
    /// The largest heap.
    MaxHeap,
    /// Heap and page cache grown together, the same number of steps each.
    Balanced,
}

impl Objective {
    /// The name `--objective` takes.
    pub const fn name(self) -> &'static str {
        match self {
            Objective::MaxPageCache => "max-page-cache",
            Objective::MaxHeap => "max-heap",
            Objective::Balanced => "balanced",
        }
    }

    /// The knobs it grows.
    pub fn grows(self) -> &'static [Knob] {
        match self {
            Objective::MaxPageCache => &[Knob::PageCache],
            Objective::MaxHeap => &[Knob::Heap],
            Objective::Balanced => &[Knob::Heap, Knob::PageCache],
        }
    }
}
