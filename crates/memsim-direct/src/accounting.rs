//! Who counts direct memory, and the exact errors when the count would pass its cap.
//!
//! Netty 4.1.48 `PlatformDependent` (see `shared/reference/netty-pooled-allocator.md` §7):
//! `io.netty.maxDirectMemory` < 0 (default) → Netty allocates without a JDK Cleaner and keeps its own
//! counter capped at the JVM's max direct memory; == 0 → no Netty counter, buffers come from
//! `ByteBuffer.allocateDirect` and JDK accounting applies; > 0 → Netty's counter capped at that value,
//! independent of `-XX:MaxDirectMemorySize`. The two counters are independent, so with the default
//! a process can hold up to twice `MaxDirectMemorySize` of direct memory.
//!
//! Netty's counter adds first, then checks `used > limit` (equal is allowed) and rolls back: its
//! message reports the used bytes before the attempt. JDK 17's `Bits.tryReserveMemory` succeeds iff
//! `cap <= limit - totalCapacity`; after its retries (reference processing, `System.gc()`, up to 9
//! sleeps, ≤ 511 ms: `bits.rs`, run by the engine, whose `System.gc()` is a full collection of the
//! heap) it throws `Cannot reserve …`. The JDK's ~8 KiB baseline of its own buffers is not modelled.

/// How Netty counts its direct memory, resolved from `io.netty.maxDirectMemory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NettyCap {
    /// Netty's own counter with this limit (property < 0: the JVM's max direct memory; > 0: the value).
    Counter {
        /// The limit in bytes.
        limit: u64,
    },
    /// Property == 0: no Netty counter; chunks are JDK direct buffers under `MaxDirectMemorySize`.
    Jdk,
}

impl NettyCap {
    /// Resolves `io.netty.maxDirectMemory` against the JVM's `MaxDirectMemorySize`.
    pub fn from_property(property: i64, jvm_max_direct: u64) -> NettyCap {
        match property {
            0 => NettyCap::Jdk,
            p if p < 0 => NettyCap::Counter {
                limit: jvm_max_direct,
            },
            p => NettyCap::Counter { limit: p as u64 },
        }
    }

    /// `PlatformDependent.maxDirectMemory()`: the limit that also drives the default arena count.
    pub fn max_direct_memory(self, jvm_max_direct: u64) -> u64 {
        match self {
            NettyCap::Counter { limit } => limit,
            NettyCap::Jdk => jvm_max_direct,
        }
    }
}

/// A refused direct allocation; `Display` is the exact text of the real error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DirectAllocError {
    /// Netty's counter would pass its limit.
    #[error(
        "io.netty.util.internal.OutOfDirectMemoryError: failed to allocate {requested} byte(s) of direct memory (used: {used}, max: {max})"
    )]
    OutOfDirectMemory {
        /// Bytes asked for (a chunk, or a huge buffer's capacity).
        requested: u64,
        /// The counter before the attempt.
        used: u64,
        /// The limit.
        max: u64,
    },
    /// The JDK's `Bits` reservation would pass `MaxDirectMemorySize`.
    #[error(
        "java.lang.OutOfMemoryError: Cannot reserve {requested} bytes of direct buffer memory (allocated: {allocated}, limit: {limit})"
    )]
    CannotReserve {
        /// Bytes asked for.
        requested: u64,
        /// Bytes already reserved.
        allocated: u64,
        /// `MaxDirectMemorySize`.
        limit: u64,
    },
}

/// Where a pool charges its chunks and huge buffers: Netty's `incrementMemoryCounter` /
/// `decrementMemoryCounter` pair (or the JDK's `Bits` when Netty keeps no counter).
///
/// [`DirectAccounting`] is the single-threaded implementation the deterministic engine uses;
/// [`crate::concurrent::AtomicDirectCounter`] (through a shared reference) is the same counter on an
/// atomic, for pools used from many threads. A pool's arena logic is written once against this trait.
pub trait Reservations {
    /// Reserves `bytes` (a chunk, or a huge buffer's capacity).
    ///
    /// # Errors
    /// [`DirectAllocError`] with the real message when the cap refuses; nothing stays reserved then.
    fn reserve_netty(&mut self, bytes: u64) -> Result<(), DirectAllocError>;

    /// Returns bytes reserved by [`Reservations::reserve_netty`].
    fn release_netty(&mut self, bytes: u64);
}

impl Reservations for DirectAccounting {
    fn reserve_netty(&mut self, bytes: u64) -> Result<(), DirectAllocError> {
        DirectAccounting::reserve_netty(self, bytes)
    }

    fn release_netty(&mut self, bytes: u64) {
        DirectAccounting::release_netty(self, bytes);
    }
}

/// Both counters of a process: Netty's (if it keeps one) and the JDK's `Bits`.
#[derive(Debug, Clone)]
pub struct DirectAccounting {
    cap: NettyCap,
    // Invariant: netty_used <= netty limit when cap is Counter; 0 otherwise.
    netty_used: u64,
    // Invariant: jdk_reserved <= jdk_limit.
    jdk_reserved: u64,
    jdk_limit: u64,
}

impl DirectAccounting {
    /// Counters for `cap` and the JVM's `MaxDirectMemorySize`.
    pub fn new(cap: NettyCap, jvm_max_direct: u64) -> DirectAccounting {
        DirectAccounting {
            cap,
            netty_used: 0,
            jdk_reserved: 0,
            jdk_limit: jvm_max_direct,
        }
    }

    /// Netty's cap.
    pub fn cap(&self) -> NettyCap {
        self.cap
    }

    /// Reserves `bytes` for Netty (a chunk or a huge/unpooled buffer): its counter, or `Bits` when it has none.
    ///
    /// # Errors
    /// [`DirectAllocError`] with the real message; nothing is reserved then.
    pub fn reserve_netty(&mut self, bytes: u64) -> Result<(), DirectAllocError> {
        match self.cap {
            NettyCap::Counter { limit } => {
                let new_used = self.netty_used.saturating_add(bytes);
                if new_used > limit {
                    return Err(DirectAllocError::OutOfDirectMemory {
                        requested: bytes,
                        used: self.netty_used,
                        max: limit,
                    });
                }
                self.netty_used = new_used;
                Ok(())
            }
            NettyCap::Jdk => self.reserve_jdk(bytes),
        }
    }

    /// Returns bytes reserved by [`DirectAccounting::reserve_netty`].
    pub fn release_netty(&mut self, bytes: u64) {
        match self.cap {
            NettyCap::Counter { .. } => {
                assert!(
                    bytes <= self.netty_used,
                    "releasing {bytes} of {}",
                    self.netty_used
                );
                self.netty_used -= bytes;
            }
            NettyCap::Jdk => self.release_jdk(bytes),
        }
    }

    /// `ByteBuffer.allocateDirect(bytes)`: reserves against `MaxDirectMemorySize`.
    ///
    /// # Errors
    /// [`DirectAllocError::CannotReserve`]; nothing is reserved then.
    pub fn reserve_jdk(&mut self, bytes: u64) -> Result<(), DirectAllocError> {
        let size = bytes.max(1);
        if size > self.jdk_limit - self.jdk_reserved {
            return Err(DirectAllocError::CannotReserve {
                requested: bytes,
                allocated: self.jdk_reserved,
                limit: self.jdk_limit,
            });
        }
        self.jdk_reserved += size;
        Ok(())
    }

    /// Frees a JDK direct buffer of `bytes`.
    pub fn release_jdk(&mut self, bytes: u64) {
        let size = bytes.max(1);
        assert!(
            size <= self.jdk_reserved,
            "releasing {size} of {}",
            self.jdk_reserved
        );
        self.jdk_reserved -= size;
    }

    /// `PlatformDependent.usedDirectMemory()`: Netty's counter, `None` when it keeps none.
    pub fn netty_used(&self) -> Option<u64> {
        matches!(self.cap, NettyCap::Counter { .. }).then_some(self.netty_used)
    }

    /// Bytes reserved through `Bits` (`BufferPoolMXBean` "direct" `totalCapacity`).
    pub fn jdk_reserved(&self) -> u64 {
        self.jdk_reserved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn netty_message_is_exact_and_equal_to_limit_is_allowed() {
        let mut a = DirectAccounting::new(NettyCap::from_property(-1, 48 * MIB), 48 * MIB);
        for _ in 0..3 {
            a.reserve_netty(16 * MIB).unwrap();
        }
        let e = a.reserve_netty(16 * MIB).unwrap_err();
        assert_eq!(
            e.to_string(),
            "io.netty.util.internal.OutOfDirectMemoryError: failed to allocate 16777216 byte(s) of direct memory (used: 50331648, max: 50331648)"
        );
        assert_eq!(a.netty_used(), Some(48 * MIB));
        a.release_netty(16 * MIB);
        assert_eq!(a.netty_used(), Some(32 * MIB));
    }

    #[test]
    fn zero_property_uses_jdk_accounting() {
        let mut a = DirectAccounting::new(NettyCap::from_property(0, 50_331_648), 50_331_648);
        assert_eq!(a.netty_used(), None);
        a.reserve_netty(33_562_625).unwrap();
        let e = a.reserve_jdk(20_000_000).unwrap_err();
        assert_eq!(
            e.to_string(),
            "java.lang.OutOfMemoryError: Cannot reserve 20000000 bytes of direct buffer memory (allocated: 33562625, limit: 50331648)"
        );
    }

    #[test]
    fn positive_property_is_independent_of_the_jvm_flag() {
        let cap = NettyCap::from_property(6 << 30, 1 << 30);
        assert_eq!(cap, NettyCap::Counter { limit: 6 << 30 });
        assert_eq!(cap.max_direct_memory(1 << 30), 6 << 30);
        assert_eq!(NettyCap::Jdk.max_direct_memory(1 << 30), 1 << 30);
    }
}
