//! Netty 4.2.13's size classes for `AdaptivePoolingAllocator` and the limits that follow from the
//! low-memory switch (facts read from the 4.2.13 jar's bytecode).

/// The segment sizes of the size-classed magazine groups, smallest first (`SIZE_CLASSES`).
pub const SIZE_CLASSES: [u32; 16] = [
    32, 64, 128, 256, 512, 640, 1024, 1152, 2048, 2304, 4096, 4352, 8192, 8704, 16384, 16896,
];

/// The largest size a size-classed group serves; larger pooled requests go to the buddy group.
pub const LARGEST_SIZE_CLASS: u32 = SIZE_CLASSES[SIZE_CLASSES.len() - 1];

/// `MIN_CHUNK_SIZE`: the smallest size-classed chunk (128 KiB).
pub const MIN_CHUNK_SIZE: u64 = 128 << 10;

/// A size-classed chunk holds at least this many segments (`MIN_SEGMENTS_PER_CHUNK`).
pub const MIN_SEGMENTS_PER_CHUNK: u64 = 32;

/// `LOW_MEM_THRESHOLD`: `Runtime.maxMemory()` at or below this (512 MiB) selects the low-memory mode.
pub const LOW_MEM_THRESHOLD: u64 = 512 << 20;

/// The buddy chunks' smallest block (`MIN_BUDDY_SIZE`, 32 KiB).
pub const MIN_BUDDY_SIZE: u64 = 32 << 10;

/// A chunk with less than this left is not kept as a magazine's next-in-line (`RETIRE_CAPACITY`).
pub const RETIRE_CAPACITY: u64 = 256;

/// How often a magazine group may double its magazines in one allocation (`EXPANSION_ATTEMPTS`).
pub const EXPANSION_ATTEMPTS: u32 = 3;

/// The index of the smallest size class that holds `size` (`sizeClassIndexOf`), or
/// `SIZE_CLASSES.len()` when `size` is above [`LARGEST_SIZE_CLASS`].
pub fn size_class_index(size: u64) -> usize {
    SIZE_CLASSES
        .iter()
        .position(|&c| u64::from(c) >= size)
        .unwrap_or(SIZE_CLASSES.len())
}

/// A size-classed chunk's capacity: `max(MIN_CHUNK_SIZE, segment × MIN_SEGMENTS_PER_CHUNK)`.
pub fn size_class_chunk_size(segment: u64) -> u64 {
    MIN_CHUNK_SIZE.max(segment * MIN_SEGMENTS_PER_CHUNK)
}

/// `MathUtil.safeFindNextPositivePowerOfTwo`: 1 for 0, capped at 2^30.
pub fn next_power_of_two_capped(v: u64) -> u64 {
    v.clamp(1, 1 << 30).next_power_of_two()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_round_up_to_the_next_class() {
        assert_eq!(size_class_index(1), 0);
        assert_eq!(size_class_index(32), 0);
        assert_eq!(size_class_index(33), 1);
        assert_eq!(size_class_index(600), 5);
        assert_eq!(size_class_index(641), 6);
        assert_eq!(size_class_index(16896), 15);
        assert_eq!(size_class_index(16897), 16);
        assert_eq!(size_class_chunk_size(32), 128 << 10);
        assert_eq!(size_class_chunk_size(16896), 540_672);
        assert_eq!(next_power_of_two_capped(0), 1);
        assert_eq!(next_power_of_two_capped(8 * 40_000), 512 << 10);
        assert_eq!(next_power_of_two_capped(u64::MAX), 1 << 30);
    }
}
