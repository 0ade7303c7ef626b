//! Which allocator Netty 4.2 uses by default (`ByteBufAllocator.DEFAULT`, chosen once in
//! `ByteBufUtil`'s static initialiser from `io.netty.allocator.type`), and the low-memory switch of
//! its adaptive allocator (facts from the 4.2.13 jar).

use super::size_classes::LOW_MEM_THRESHOLD;

/// An allocator `io.netty.allocator.type` can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocatorType {
    /// `AdaptiveByteBufAllocator` (4.2's default, on every platform).
    Adaptive,
    /// `PooledByteBufAllocator.DEFAULT` (4.1's default).
    Pooled,
    /// `UnpooledByteBufAllocator.DEFAULT`.
    Unpooled,
}

/// Netty 4.2's `ByteBufAllocator.DEFAULT` for the value of `io.netty.allocator.type` (`None`:
/// unset). The value is compared exactly (no trimming, case-sensitive): `"unpooled"`,
/// `"pooled"`, `"adaptive"`; unset means adaptive, and anything else falls back to pooled (Netty
/// logs `pooled (unknown: …)`).
pub fn default_allocator(property: Option<&str>) -> AllocatorType {
    match property.unwrap_or("adaptive") {
        "unpooled" => AllocatorType::Unpooled,
        "adaptive" => AllocatorType::Adaptive,
        _ => AllocatorType::Pooled,
    }
}

/// `AdaptivePoolingAllocator.IS_LOW_MEM`: whether `Runtime.maxMemory()` (bytes) is at most
/// 512 MiB. In that mode each group keeps one magazine, chunks are at most 2 MiB, buffers above
/// 16,896 bytes are never pooled, and event-loop threads get no thread-local magazines (unless
/// `io.netty.allocator.disableThreadLocalMagazinesOnLowMemory=false`).
///
/// `Runtime.maxMemory()` is `-Xmx` with G1; Serial and Parallel report one survivor space less, so
/// with them a heap a little above 512 MiB can still be low-memory.
pub fn is_low_memory(runtime_max_memory: u64) -> bool {
    runtime_max_memory <= LOW_MEM_THRESHOLD
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adaptive_is_the_default_and_unknown_values_fall_back_to_pooled() {
        assert_eq!(default_allocator(None), AllocatorType::Adaptive);
        assert_eq!(default_allocator(Some("adaptive")), AllocatorType::Adaptive);
        assert_eq!(default_allocator(Some("pooled")), AllocatorType::Pooled);
        assert_eq!(default_allocator(Some("unpooled")), AllocatorType::Unpooled);
        assert_eq!(default_allocator(Some("Adaptive")), AllocatorType::Pooled);
        assert_eq!(default_allocator(Some(" unpooled")), AllocatorType::Pooled);
        assert_eq!(default_allocator(Some("")), AllocatorType::Pooled);
    }

    #[test]
    fn low_memory_is_at_most_512_mib() {
        assert!(is_low_memory(512 << 20));
        assert!(!is_low_memory((512 << 20) + 1));
    }
}
