//! Tests of the heap model: collections, sizing, resident pages and pauses against the rules in
//! the module doc of `heap.rs`; `tick`, `heap_with` and `grow_live` are shared with the
//! collector modules' tests.

use super::*;
use crate::ergonomics::{JvmFlags, MachineView};
use memsim_core::{GcKind, SimDuration};

/// One allocation every 10 ms of simulated time.
pub(super) fn tick(i: u64) -> SimTime {
    SimTime(i * 10_000_000)
}

pub(super) const MIB: u64 = 1 << 20;

fn heap(xms: u64, xmx: u64) -> Heap {
    let m = MachineView {
        ram_bytes: 16 << 30,
        container_limit_bytes: None,
        cores: 4,
    };
    let f = JvmFlags {
        heap_initial: Some(xms),
        heap_max: Some(xmx),
        ..JvmFlags::default()
    };
    Heap::new(&Ergonomics::resolve(m, f))
}

#[test]
fn garbage_is_collected_without_growth() {
    let mut h = heap(256 * MIB, 1024 * MIB);
    let mut gcs = 0;
    for i in 0..1000 {
        gcs += h.allocate(MIB, false, tick(i)).unwrap().collections;
    }
    assert!(
        gcs >= 3,
        "1000 MiB of garbage in a 256 MiB heap needs collections, got {gcs}"
    );
    assert_eq!(h.committed(), 256 * MIB);
    // Churn only touches eden: G1's young generation grew to its 60 % cap.
    assert!(
        (256 * MIB * 60 / 100).abs_diff(h.resident()) <= MIB,
        "{}",
        h.resident()
    );
}

/// G1 with `gc_threads` GC threads and a fixed 512 MiB heap.
fn g1_512m(gc_threads: u32) -> Heap {
    let m = MachineView {
        ram_bytes: 24 << 30,
        container_limit_bytes: None,
        cores: 2,
    };
    let f = JvmFlags {
        heap_initial: Some(512 * MIB),
        heap_max: Some(512 * MIB),
        collector: Some(Collector::G1),
        parallel_gc_threads: Some(gc_threads),
        ..JvmFlags::default()
    };
    Heap::new(&Ergonomics::resolve(m, f))
}

/// Eden's size at each young collection (the bytes the collection found), over `mib` MiB.
fn eden_per_collection(h: &mut Heap, mib: u64, live_every: u64) -> Vec<u64> {
    let mut sizes = Vec::new();
    let mut filled = h.eden_used + h.g1_direct;
    for i in 1..=mib {
        let live = live_every > 0 && i % live_every == 0;
        let before = h.collections();
        h.allocate(MIB, live, tick(i)).unwrap();
        if h.collections() > before {
            sizes.push(filled / MIB);
        }
        filled = h.eden_used + h.g1_direct;
    }
    sizes
}

/// The JDK's logs under churn (512 MiB, 1 MiB regions): eden 25 regions at the first young
/// collection, still near it at the second, 306 from the third on with 2 GC threads; one more
/// collection near the minimum with 1 GC thread (its default cost per byte is twice as high).
#[test]
fn g1_young_generation_under_churn_follows_the_pause_goal() {
    // Sizes are seen in whole MiB steps: within 1 MiB of eden (5 % and 60 % of 512 MiB).
    let near = |sizes: &[u64], want: &[u64]| {
        sizes.len() >= want.len() && want.iter().zip(sizes).all(|(w, s)| w.abs_diff(*s) <= 1)
    };
    let mut two = g1_512m(2);
    let sizes = eden_per_collection(&mut two, 1000, 0);
    assert!(near(&sizes, &[25, 25, 307, 307]), "{sizes:?}");
    let mut one = g1_512m(1);
    let sizes = eden_per_collection(&mut one, 1000, 0);
    assert!(near(&sizes, &[25, 25, 25, 307, 307]), "{sizes:?}");
    // The young regions are reused: residency is the largest eden, not the bytes allocated.
    assert!(
        (307 * MIB).abs_diff(two.resident()) <= 2 * MIB,
        "{}",
        two.resident() / MIB
    );
}

/// Evacuating live data is what keeps G1's young generation small: while every collection
/// copies what it found, eden stays at `G1NewSizePercent`; once the live set stops growing the
/// survival predictions decay and eden grows to its maximum.
#[test]
fn g1_young_generation_stays_small_while_collections_copy() {
    let mut h = g1_512m(2);
    let sizes = eden_per_collection(&mut h, 100, 1);
    assert!(sizes.len() >= 3, "{sizes:?}");
    assert!(sizes.iter().all(|&s| s <= 26), "{sizes:?}");
    let sizes = eden_per_collection(&mut h, 2000, 0);
    // 60 % of 512 MiB (the free space less the 10 % reserve, 361 MiB, is larger).
    let max = 307;
    assert!(sizes[0] <= 26, "{sizes:?}");
    assert!(
        sizes.iter().any(|&s| s + 2 >= max),
        "eden never reached {max} MiB: {sizes:?}"
    );
}

#[test]
fn generational_collectors_copy_live_data_out_of_eden() {
    let m = MachineView {
        ram_bytes: 16 << 30,
        container_limit_bytes: None,
        cores: 4,
    };
    let flags = |c| JvmFlags {
        heap_initial: Some(3 << 30),
        heap_max: Some(3 << 30),
        collector: Some(c),
        ..JvmFlags::default()
    };
    let mut serial = Heap::new(&Ergonomics::resolve(m, flags(Collector::Serial)));
    let mut g1 = Heap::new(&Ergonomics::resolve(m, flags(Collector::G1)));
    for h in [&mut serial, &mut g1] {
        h.allocate(512 * MIB, true, tick(100)).unwrap();
        for i in 0..1000 {
            h.allocate(MIB, false, tick(101 + i)).unwrap();
        }
    }
    // Serial: eden (8/10 of 1 GiB) was filled, the live data copied to old: both touched.
    let want: u64 = (3 << 30) / 3 * 8 / 10 + 512 * MIB;
    assert!(
        want.abs_diff(serial.resident()) <= MIB,
        "{}",
        serial.resident()
    );
    // G1: humongous live data in old regions, churn bounded by the young generation.
    assert!(
        g1.resident() < serial.resident(),
        "{} vs {}",
        g1.resident(),
        serial.resident()
    );
}

#[test]
fn live_growth_expands_toward_max_then_fails() {
    let mut h = heap(64 * MIB, 512 * MIB);
    let mut grew = false;
    for i in 0..500 {
        grew |= h
            .allocate(MIB, true, tick(i))
            .unwrap()
            .resized_from
            .is_some();
    }
    assert!(grew);
    assert!(h.committed() >= 500 * MIB && h.committed() <= 512 * MIB);
    let err = (0..20).find_map(|i| h.allocate(MIB, true, tick(500 + i)).err());
    assert_eq!(err, Some(HeapError::HeapSpace { requested: MIB }));
    assert!(h.live() <= 512 * MIB);
}

/// G1's full collection sizes the heap to what is used over `1 - MaxHeapFreeRatio` (70 %), down
/// to `MinHeapSize`: below the initial heap without `-Xms` (the JDK: 240 MiB for 64 MiB live in
/// `mech-g1-1g-noxms-drop192m-maxdirect64m-direct100m`, from 793 MiB), never below `-Xms`.
#[test]
fn g1_full_collection_shrinks_to_min_heap_size_without_xms() {
    let m = MachineView {
        ram_bytes: 24 << 30,
        container_limit_bytes: None,
        cores: 2,
    };
    let g1 = |xms: Option<u64>| {
        Heap::new(&Ergonomics::resolve(
            m,
            JvmFlags {
                heap_initial: xms,
                heap_max: Some(1 << 30),
                collector: Some(Collector::G1),
                ..JvmFlags::default()
            },
        ))
    };
    for xms in [None, Some(512 * MIB)] {
        let mut h = g1(xms);
        let initial = h.committed();
        grow_live(&mut h, 256, 1);
        h.release(192 * MIB);
        let out = h.full_gc(SimTime(2_000_000_000));
        let want = (64 * MIB * 100 / 30).div_ceil(MIB) * MIB;
        match xms {
            None => {
                assert!(initial > 300 * MIB);
                assert_eq!(h.committed(), want, "{} MiB", h.committed() / MIB);
                assert!(out.resized_from.is_some());
            }
            Some(x) => assert_eq!(h.committed(), x.max(want)),
        }
        assert!(h.resident() <= h.committed());
    }
}

#[test]
fn shrinks_when_live_set_drops_but_not_below_xms() {
    let mut h = heap(64 * MIB, 1024 * MIB);
    h.allocate(600 * MIB, true, tick(1)).unwrap();
    assert!(h.committed() >= 600 * MIB);
    h.release(600 * MIB);
    h.full_gc(tick(2));
    assert!(
        h.committed() < 600 * MIB,
        "committed {} after the live set vanished",
        h.committed()
    );
    assert!(h.committed() >= 64 * MIB);
    assert!(h.resident() <= h.committed());
}

#[test]
fn pre_touch_makes_committed_resident() {
    let m = MachineView {
        ram_bytes: 16 << 30,
        container_limit_bytes: None,
        cores: 4,
    };
    let f = JvmFlags {
        heap_initial: Some(1 << 30),
        heap_max: Some(1 << 30),
        always_pre_touch: true,
        ..JvmFlags::default()
    };
    let h = Heap::new(&Ergonomics::resolve(m, f));
    assert_eq!(h.usage(), Usage::all(1 << 30));
}

pub(super) fn heap_with(c: Collector, xms: u64, xmx: u64) -> Heap {
    let m = MachineView {
        ram_bytes: 24 << 30,
        container_limit_bytes: None,
        cores: 2,
    };
    let f = JvmFlags {
        heap_initial: Some(xms),
        heap_max: Some(xmx),
        collector: Some(c),
        ..JvmFlags::default()
    };
    Heap::new(&Ergonomics::resolve(m, f))
}

/// Retains `total` bytes in 1 MiB steps over `secs` seconds of simulated time.
pub(super) fn grow_live(h: &mut Heap, total_mib: u64, secs: u64) {
    for i in 1..=total_mib {
        h.allocate(MIB, true, SimTime(i * secs * 1_000_000_000 / total_mib))
            .unwrap();
    }
}

/// With `-Xms` < `-Xmx`, GC time grows G1's heap and Parallel's young generation: 200 MiB
/// retained in 1 s (every young pause copies, much of the time is GC) against the same in 100 s
/// (GC time negligible). G1 expands without full collections; Parallel's old generation is
/// grown by the full collections its promotion estimate runs ("Pause Full (Ergonomics)") in both.
#[test]
fn gc_time_not_free_ratios_expands_with_xms_below_xmx() {
    for c in [Collector::G1, Collector::Parallel] {
        let mut fast = heap_with(c, 256 * MIB, 4 << 30);
        grow_live(&mut fast, 200, 1);
        let mut slow = heap_with(c, 256 * MIB, 4 << 30);
        grow_live(&mut slow, 200, 100);
        if c == Collector::Parallel {
            assert!(fast.ps_young() > fast.ps_young_min, "{}", fast.ps_young());
            assert_eq!(slow.ps_young(), slow.ps_young_min);
        } else {
            assert_eq!(fast.pauses().count(GcKind::Full), 0, "{c:?}");
            assert_eq!(slow.pauses().count(GcKind::Full), 0, "{c:?}");
            assert!(
                fast.committed() > 256 * MIB,
                "{c:?}: {} MiB",
                fast.committed() / MIB
            );
            assert_eq!(slow.committed(), 256 * MIB, "{c:?}");
        }
    }
}

/// G1 expanding under a fast-growing live set: each expansion moves eden to the newly committed
/// top, and the earlier edens above the old generation stay resident (the JDK's heap RSS,
/// 1514 MiB for 1183 MiB used, in the `g1-4g-xms512m-500t-xss256k` calibration); with the heap
/// committed from the start eden never moves.
#[test]
fn g1_expansion_leaves_earlier_edens_resident() {
    let mut growing = heap_with(Collector::G1, 256 * MIB, 4 << 30);
    grow_live(&mut growing, 600, 1);
    assert!(growing.committed() > 256 * MIB);
    let windows = growing.g1_left_edens.len();
    let extra = growing
        .resident()
        .saturating_sub(growing.old_hw + growing.eden_hw);
    // At least one earlier eden (5 % of a heap of 256 MiB or more) above the old generation.
    assert!(
        windows > 0 && extra >= 12 * MIB,
        "{windows} earlier edens, {} MiB beyond old and eden",
        extra / MIB
    );
    let mut fixed = heap_with(Collector::G1, 4 << 30, 4 << 30);
    grow_live(&mut fixed, 600, 1);
    assert!(fixed.g1_left_edens.is_empty());
    assert_eq!(fixed.resident(), fixed.old_hw + fixed.eden_hw);
}

#[test]
fn collections_get_their_own_instants_and_pauses() {
    let mut h = heap_with(Collector::Serial, 256 * MIB, 256 * MIB);
    // 100 MiB of garbage in one call over 1 s: eden (68 MiB) fills once in it.
    let out = h
        .allocate(100 * MIB, false, SimTime(1_000_000_000))
        .unwrap();
    assert_eq!(out.collections, 1);
    let out = h
        .allocate(1000 * MIB, false, SimTime(2_000_000_000))
        .unwrap();
    assert_eq!(out.collections, 1000 / 68 + 1, "{out:?}");
    assert_eq!(h.pauses().count(GcKind::Young), h.collections());
    assert!(h.pauses().total() > SimDuration(0));
}

/// Pauses follow one another on the timeline: a collection due while the world is still stopped
/// (its bytes were taken as allocated evenly since the previous call) starts when that pause ends,
/// so the world is stopped until at least the total of the pauses, and no later than the last
/// instant plus that total.
#[test]
fn pauses_stop_the_world_back_to_back() {
    let mut h = heap_with(Collector::Serial, 256 * MIB, 256 * MIB);
    assert_eq!(h.stw_until(), SimTime::ZERO);
    // 100 MiB live in a 10 µs call (copied out of eden: long pauses), then garbage.
    let now = SimTime(10_000);
    h.allocate(100 * MIB, true, now).unwrap();
    h.allocate(1000 * MIB, false, now).unwrap();
    let total = h.pauses().total();
    assert!(h.collections() > 10);
    assert!(total > SimDuration::from_millis(10), "{total:?}");
    assert!(
        h.stw_until() >= SimTime::ZERO.after(total),
        "{:?}",
        h.stw_until()
    );
    assert!(h.stw_until() <= now.after(total), "{:?}", h.stw_until());
    // Later collections, due after the world ran again, start at their own instants: the world
    // is stopped no later than the last of them plus their pauses.
    let until = h.stw_until();
    let later = until.after(SimDuration::from_secs(1));
    h.allocate(1000 * MIB, false, later).unwrap();
    let more = SimDuration(h.pauses().total().nanos() - total.nanos());
    assert!(h.stw_until() > until);
    assert!(h.stw_until() <= later.after(more), "{:?}", h.stw_until());
}

/// A live set that creeps into a 64 MiB heap while garbage keeps coming: Parallel gives up
/// with `GC overhead limit exceeded`, G1 collects on until `Java heap space`.
#[test]
fn overhead_limit_is_parallels_alone() {
    for c in [Collector::Parallel, Collector::G1] {
        let mut h = heap_with(c, 64 * MIB, 64 * MIB);
        let mut first_error = None;
        for tick in 1..=1000u64 {
            let now = SimTime(tick * 100_000_000);
            let r = h
                .allocate(100 << 10, true, now)
                .and_then(|_| h.allocate(200 * MIB, false, now));
            if let Err(e) = r {
                first_error = Some(e);
                break;
            }
        }
        let want_overhead = c == Collector::Parallel;
        assert!(
            matches!(
                first_error,
                Some(HeapError::GcOverheadLimit { .. }) if want_overhead
            ) || matches!(first_error, Some(HeapError::HeapSpace { .. }) if !want_overhead),
            "{c:?}: {first_error:?}"
        );
    }
}

/// Data that survived a young collection and then died is old garbage: young collections leave
/// it, G1 reclaims it in mixed collections after marking, Serial and Parallel in full ones.
#[test]
fn old_garbage_needs_mixed_or_full_collections() {
    for c in [Collector::G1, Collector::Serial, Collector::Parallel] {
        let mut h = heap_with(c, 1 << 30, 1 << 30);
        let mut t = 0;
        let mut tick = |h: &mut Heap, bytes: u64, live: bool| {
            t += 1;
            h.allocate(bytes, live, SimTime(t * 10_000_000)).unwrap();
        };
        // 600 MiB retained, then carried into the old generation by churn.
        for _ in 0..600 {
            tick(&mut h, MIB, true);
        }
        for _ in 0..1000 {
            tick(&mut h, MIB, false);
        }
        let young_before = h.pauses().count(GcKind::Young);
        h.release(500 * MIB);
        // Another 400 MiB retained alongside churn: with the old garbage still there, the heap fills.
        for _ in 0..400 {
            tick(&mut h, MIB, true);
            tick(&mut h, 4 * MIB, false);
        }
        let young = h.pauses().count(GcKind::Young) - young_before;
        let mixed = h.pauses().count(GcKind::Mixed);
        let full = h.pauses().count(GcKind::Full);
        assert!(young > 0, "{c:?}");
        match c {
            Collector::G1 => assert!(mixed > 0, "{c:?}: {mixed} mixed, {full} full"),
            _ => assert!(mixed == 0 && full > 0, "{c:?}: {mixed} mixed, {full} full"),
        }
    }
}
