//! HotSpot-like JVM memory: ergonomics, the Java heap and its collector's bookkeeping, thread
//! stacks, metaspace and class space, the code cache, and the small fixed NMT categories.
//!
//! Numbers only: a simulated 4 GiB heap costs a few words of bookkeeping. Every rule names its
//! source; coefficients come from `shared/reference/hotspot-memory.md` (JDK 17.0.15 measured on a
//! 2-CPU, 24 GiB machine, mechanisms checked in jdk17u) and are first approximations until the
//! calibration issue replaces them with fits against a real JDK on this project's machines.
#![deny(missing_docs)]

pub mod class_profile;
pub mod code;
pub mod compilation;
pub mod ergonomics;
pub mod gc;
pub mod gc_workers;
pub mod heap;
pub mod jdk21;
pub mod metaspace;
pub mod metaspace_gc;
pub mod native;
pub mod pause;
pub mod threads;
pub mod virtual_threads;

mod jvm;

pub use ergonomics::{CodeCacheLayout, Collector, Compilation, Ergonomics, JvmFlags, MachineView};
pub use jvm::{Jvm, JvmError, VolatileInputs};
