//! Every default and limit the scenario readers apply: sizes HotSpot and Netty accept, the most
//! threads, classes, samples and events a run may ask for, and the value each optional key takes
//! when it is left out.

use memsim_core::SimDuration;

pub(super) const KIB: u64 = 1024;
pub(super) const MIB: u64 = 1024 * KIB;
pub(super) const GIB: u64 = 1024 * MIB;

/// Default `[scenario] seed`.
pub(super) const DEFAULT_SEED: u64 = 1;
/// Default `[scenario] sample_every`.
pub(super) const DEFAULT_SAMPLE_EVERY: SimDuration = SimDuration::from_secs(1);
/// Default `[scenario] max_events`.
pub(super) const DEFAULT_MAX_EVENTS: u64 = 50_000_000;
/// Largest `[scenario] max_events`: below 2^40, the most pages a page-cache file may have, so a
/// run's warm-up (one page per event) can never run past a file's end.
pub(super) const MAX_MAX_EVENTS: u64 = 1_000_000_000_000;
/// Most methods compiled in one phase.
pub(super) const MAX_COMPILED_METHODS: u64 = 10_000_000;
/// Most samples a run may take.
pub(super) const MAX_SAMPLES: u64 = 1_000_000;
/// Default `[machine] cores`.
pub(super) const DEFAULT_CORES: u32 = 4;
/// Most cores.
pub(super) const MAX_CORES: u64 = 1024;
/// Smallest `-Xss` HotSpot accepts on 64-bit Linux (rounded up to a page).
pub(super) const MIN_THREAD_STACK: u64 = 64 * KIB;
/// Largest `-Xss` HotSpot accepts (`ThreadStackSize` ≤ 1 GiB).
pub(super) const MAX_THREAD_STACK: u64 = GIB;
/// Largest `-XX:ReservedCodeCacheSize` HotSpot accepts.
pub(super) const MAX_CODE_CACHE: u64 = 2 * GIB;
/// Netty: smallest page.
pub(super) const MIN_PAGE_SIZE: u64 = 4096;
/// Netty: largest `maxOrder`.
pub(super) const MAX_ORDER: u64 = 14;
/// Netty: largest chunk.
pub(super) const MAX_CHUNK: u64 = GIB;
/// Most Netty direct arenas.
pub(super) const MAX_ARENAS: u64 = 1024;
/// Default `stack_touched` (capped at `thread_stack` when that is smaller).
pub(super) const DEFAULT_STACK_TOUCHED: u64 = 88 * KIB;
/// `stack_touched` limit when `thread_stack` is not set.
pub(super) const MAX_STACK_TOUCHED: u64 = GIB;
/// Most threads in one phase.
pub(super) const MAX_THREADS: u64 = 100_000;
/// Most classes in one phase.
pub(super) const MAX_CLASSES: u64 = 10_000_000;
/// Default `methods_per_class`.
pub(super) const DEFAULT_METHODS_PER_CLASS: u32 = 8;
/// Default `class_file_bytes`: the fit libraries' average class file (memsim-jvm `class_profile`).
pub(super) const DEFAULT_CLASS_FILE_BYTES: u64 = 3921;
/// `class_file_bytes` bounds: a class file of a few fields and methods, and the JVM's 1 MiB-ish
/// practical ceiling (64 Ki constant-pool entries, methods of at most 64 KiB of bytecode).
pub(super) const MIN_CLASS_FILE_BYTES: u64 = 256;
pub(super) const MAX_CLASS_FILE_BYTES: u64 = MIB;
/// Most methods per class (the class file's `methods_count` is a u2).
pub(super) const MAX_METHODS_PER_CLASS: u64 = 65_535;
/// Highest request rate, per second.
pub(super) const MAX_RATE: f64 = 10_000_000.0;
