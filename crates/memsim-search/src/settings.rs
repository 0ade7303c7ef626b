//! A configuration a search tries: the knobs it sets, the rest as the scenario has it.

use memsim_scenario::{Override, Scenario};

use crate::Knob;

/// Values for the knobs a configuration sets (`None`: the scenario's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Settings {
    /// `-Xmx`.
    pub heap: Option<u64>,
    /// The page cache.
    pub page_cache: Option<u64>,
    /// `-XX:MaxDirectMemorySize`.
    pub max_direct: Option<u64>,
    /// `-Xss`.
    pub thread_stack: Option<u64>,
}

/// A size in the largest of g, m, k that divides it (`1536m`, `4g`, `512k`), else bytes.
pub(crate) fn size_text(bytes: u64) -> String {
    for (unit, shift) in [("g", 30), ("m", 20), ("k", 10)] {
        if bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

impl Settings {
    /// The value of `knob`, if set.
    pub fn get(&self, knob: Knob) -> Option<u64> {
        match knob {
            Knob::Heap => self.heap,
            Knob::PageCache => self.page_cache,
            Knob::MaxDirect => self.max_direct,
            Knob::Threads => self.thread_stack,
        }
    }

    /// Sets `knob`.
    pub fn set(&mut self, knob: Knob, bytes: u64) {
        let slot = match knob {
            Knob::Heap => &mut self.heap,
            Knob::PageCache => &mut self.page_cache,
            Knob::MaxDirect => &mut self.max_direct,
            Knob::Threads => &mut self.thread_stack,
        };
        *slot = Some(bytes);
    }

    /// With `knob` set to `bytes`.
    pub fn with(mut self, knob: Knob, bytes: u64) -> Settings {
        self.set(knob, bytes);
        self
    }

    /// The scenario overrides that make `scenario` run with these settings. A heap sets `-Xms` too
    /// when the scenario's `-Xms` equals its `-Xmx` (Neo4j's advice), and lowers an `-Xms` above it.
    pub fn overrides(&self, scenario: &Scenario) -> Vec<Override> {
        let mut out = Vec::new();
        if let Some(h) = self.heap {
            out.push(Override::new(Knob::Heap.key(), size_text(h)));
            match scenario.jvm.heap_initial {
                Some(i) if Some(i) == scenario.jvm.heap_max || i > h => {
                    out.push(Override::new("jvm.heap.initial", size_text(h)));
                }
                _ => {}
            }
        }
        for knob in [Knob::PageCache, Knob::MaxDirect, Knob::Threads] {
            if let Some(v) = self.get(knob) {
                out.push(Override::new(knob.key(), size_text(v)));
            }
        }
        out
    }

    /// The settings as `-Xms… -Xmx… -XX:MaxDirectMemorySize=… -Xss…` (those set), with the page
    /// cache, which is not a JVM flag, left out.
    pub fn jvm_flags(&self, scenario: &Scenario) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(h) = self.heap {
            let initial = match scenario.jvm.heap_initial {
                Some(i) if Some(i) == scenario.jvm.heap_max || i > h => Some(h),
                other => other,
            };
            if let Some(i) = initial {
                out.push(format!("-Xms{}", size_text(i)));
            }
            out.push(format!("-Xmx{}", size_text(h)));
        }
        if let Some(d) = self.max_direct {
            out.push(format!("-XX:MaxDirectMemorySize={}", size_text(d)));
        }
        if let Some(s) = self.thread_stack {
            out.push(format!("-Xss{}", size_text(s)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_in_the_largest_exact_unit() {
        assert_eq!(size_text(4 << 30), "4g");
        assert_eq!(size_text(1536 << 20), "1536m");
        assert_eq!(size_text(512 << 10), "512k");
        assert_eq!(size_text(1000), "1000");
    }
}
