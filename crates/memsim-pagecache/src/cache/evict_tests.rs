//! The eviction order of a fixed pin sequence, against a reference derived by hand from Neo4j's
//! rules (`evict.rs` module docs; `PageList`, `MuninnPageCache`, `MuninnPageCursor`).

use super::evict::{Visit, cooperative_start};
use super::*;

const N: u32 = 4;

/// A 4-page cache (one grab of 64 pages covers it: the first fault takes frame 0 and lists 3, 2, 1,
/// popped lowest first) and a file of 16 pages. The evictor keeps `min(30, 4 / 2)` = 2 pages free.
fn setup() -> (MuninnPageCache, PagedFile) {
    let pc = MuninnPageCache::new(CacheConfig::with_pages(N as u64)).unwrap();
    let f = pc.map_file(FileId(0), PAGE_BYTES).unwrap();
    f.grow_to(16);
    (pc, f)
}

/// Each frame's usage counter (`None` for a free frame).
fn usages(pc: &MuninnPageCache) -> Vec<Option<u64>> {
    (0..N)
        .map(|i| {
            let s = pc.frames.get(i).state.load(Ordering::Relaxed);
            (s & EXCLUSIVE == 0).then_some(usage(s))
        })
        .collect()
}

/// Each frame's page (`None` for a free frame).
fn pages(pc: &MuninnPageCache) -> Vec<Option<u64>> {
    (0..N)
        .map(|i| unbind(pc.frames.get(i).binding.load(Ordering::Relaxed)).map(|(_, p)| p))
        .collect()
}

/// Pins `page` for read and keeps the pin, logging the page a cooperative eviction made room with.
fn hold(pc: &MuninnPageCache, f: &PagedFile, page: u64, evicted: &mut Vec<u64>) -> Pin {
    let before = (pc.n_grabbed.load(Ordering::Relaxed) == N).then(|| pages(pc));
    let coop = pc.metrics().cooperative_evictions;
    let pin = pc.pin_read(f, page).unwrap();
    if pc.metrics().cooperative_evictions > coop {
        let before = before.expect("cooperative eviction needs a full cache");
        evicted.push(before[pin.frame_idx() as usize].expect("a bound frame"));
    }
    pin
}

/// Pins `page` for read and unpins it.
fn read(pc: &MuninnPageCache, f: &PagedFile, page: u64, evicted: &mut Vec<u64>) {
    let pin = hold(pc, f, page, evicted);
    pc.unpin(pin);
}

/// One wake-up of the background evictor, logging the pages it evicted in order (it pushes their
/// frames on the free list as it goes).
fn evictor(pc: &MuninnPageCache, evicted: &mut Vec<u64>) -> EvictorRun {
    let before = pages(pc);
    let listed = pc.free.lock().list.len();
    let run = pc.run_evictor();
    for &frame in &pc.free.lock().list[listed..] {
        evicted.push(before[frame as usize].expect("an evicted frame was bound"));
    }
    run
}

/// `PageListTest.usageCounterMustGoUpToFour`: a page pinned to the cap (4) reports evictable on the
/// fourth decrement, so the fourth visit evicts it; one more pin than the cap changes nothing.
#[test]
fn four_visits_evict_a_page_at_the_cap() {
    let (pc, f) = setup();
    let mut evicted = Vec::new();
    for _ in 0..5 {
        read(&pc, &f, 0, &mut evicted);
    }
    assert_eq!(usages(&pc)[0], Some(4));
    for expected in [3, 2, 1] {
        assert!(matches!(pc.visit(0), Visit::Aged));
        assert_eq!(usages(&pc)[0], Some(expected));
    }
    assert!(matches!(pc.visit(0), Visit::Evicted { flushed: false }));
    assert_eq!(pages(&pc)[0], None);
    assert!(evicted.is_empty());
}

/// The reference, derived by hand. `U` lists the usage counters of frames 0..3 (`-` free), `H` the
/// background evictor's arm; "was u" is the counter a visit found (it decrements it if above 0, and
/// the page is evictable when u ≤ 1).
///
///  1. Read p0, p1, p2, p3: four faults into frames 0, 1, 2, 3; each pin leaves 1. U = [1,1,1,1].
///  2. Hits: p0 three times (4), p1 once (2), p3 twice (3). U = [4,2,1,3].
///  3. Evictor: 0 free, asked for 2; H = 0. f0 was 4 → 3; f1 was 2 → 1; f2 was 1 → 0: evict **p2**
///     (1 to go); f3 was 3 → 2; wrap; f0 was 3 → 2; f1 was 1 → 0: evict **p1** (done). H = 2,
///     free list [2, 1], U = [2,-,-,2]. (memsim's former rule, evicting on finding 0, took ten
///     visits and left U = [1,-,-,1].)
///  4. Read p4 (pops frame 1), p5 (frame 2). U = [2,1,1,2]; frames hold p0, p4, p5, p3.
///  5. Read p6: the free list is empty and every frame grabbed, so the fault sweeps cooperatively
///     from page `cooperative_start(0, 4)` = 3: f3 was 2 → 1; wrap; f0 was 2 → 1; f1 was 1: evict
///     **p4**. p6 goes to frame 1. U = [1,1,1,1]. (The former rule would have evicted p3 here.)
///  6. Hold a read pin on p0 (a hit: 2). Read p7: cooperative from `cooperative_start(1, 4)` = 0:
///     f0 was 2 → 1 (pinned: the counter drops all the same); f1 was 1: evict **p6**; p7 goes to
///     frame 1. U = [1,1,1,1].
///  7. Evictor: asked for 2; H = 2. f2 was 1: evict **p5**; f3 was 1: evict **p3** (done). H = 4,
///     free list [2, 3].
///  8. Read p8 (pops frame 3), p9 (frame 2). U = [1,1,1,1]; frames hold p0 (pinned), p7, p9, p8.
///  9. Evictor: asked for 2; H = 4 wraps to 0. f0 was 1 → 0: evictable but pinned, refused, and it
///     counts as one of the two (`evictPages` decrements its budget before `tryEvict`); f1 was 1:
///     evict **p7** (done). H = 2: one page evicted, one refused, 1 free. U = [0,-,1,1].
/// 10. Unpin p0. Read p10 (pops frame 1). U = [0,1,1,1].
/// 11. Read p11: cooperative from `cooperative_start(2, 4)` = 3: f3 was 1: evict **p8**.
/// 12. Read p12: cooperative from `cooperative_start(3, 4)` = 0: f0 was 0: evict **p0**.
///
/// Evicted, in order: p2, p1, p4, p6, p5, p3, p7, p8, p0.
#[test]
fn a_fixed_pin_sequence_evicts_as_derived_from_neo4js_rules() {
    assert_eq!(
        (0..4).map(|d| cooperative_start(d, 4)).collect::<Vec<_>>(),
        [3, 0, 3, 0],
        "the starts the derivation uses"
    );
    let (pc, f) = setup();
    let ev = &mut Vec::new();
    let hand = |pc: &MuninnPageCache| pc.evictor_hand.load(Ordering::Relaxed);
    // 1, 2
    for page in [0, 1, 2, 3, 0, 0, 0, 1, 3, 3] {
        read(&pc, &f, page, ev);
    }
    assert_eq!(pages(&pc), [Some(0), Some(1), Some(2), Some(3)]);
    assert_eq!(usages(&pc), [Some(4), Some(2), Some(1), Some(3)]);
    // 3
    let run = evictor(&pc, ev);
    assert_eq!((run.evicted, run.refused, run.free_pages), (2, 0, 2));
    assert_eq!(*ev, [2, 1]);
    assert_eq!(hand(&pc), 2);
    assert_eq!(usages(&pc), [Some(2), None, None, Some(2)]);
    // 4
    read(&pc, &f, 4, ev);
    read(&pc, &f, 5, ev);
    assert_eq!(pages(&pc), [Some(0), Some(4), Some(5), Some(3)]);
    assert_eq!(usages(&pc), [Some(2), Some(1), Some(1), Some(2)]);
    // 5
    read(&pc, &f, 6, ev);
    assert_eq!(*ev, [2, 1, 4]);
    assert_eq!(usages(&pc), [Some(1), Some(1), Some(1), Some(1)]);
    // 6
    let held = hold(&pc, &f, 0, ev);
    read(&pc, &f, 7, ev);
    assert_eq!(*ev, [2, 1, 4, 6]);
    assert_eq!(pages(&pc), [Some(0), Some(7), Some(5), Some(3)]);
    assert_eq!(usages(&pc), [Some(1), Some(1), Some(1), Some(1)]);
    // 7
    let run = evictor(&pc, ev);
    assert_eq!((run.evicted, run.refused), (2, 0));
    assert_eq!(*ev, [2, 1, 4, 6, 5, 3]);
    assert_eq!(hand(&pc), 4);
    // 8
    read(&pc, &f, 8, ev);
    read(&pc, &f, 9, ev);
    assert_eq!(pages(&pc), [Some(0), Some(7), Some(9), Some(8)]);
    // 9
    let run = evictor(&pc, ev);
    assert_eq!((run.evicted, run.refused, run.free_pages), (1, 1, 1));
    assert_eq!(hand(&pc), 2);
    assert_eq!(usages(&pc), [Some(0), None, Some(1), Some(1)]);
    // 10
    pc.unpin(held);
    read(&pc, &f, 10, ev);
    assert_eq!(usages(&pc), [Some(0), Some(1), Some(1), Some(1)]);
    // 11, 12
    read(&pc, &f, 11, ev);
    read(&pc, &f, 12, ev);
    assert_eq!(*ev, [2, 1, 4, 6, 5, 3, 7, 8, 0]);
    assert_eq!(pages(&pc), [Some(12), Some(10), Some(9), Some(11)]);
    let m = pc.metrics();
    assert_eq!((m.evictions, m.cooperative_evictions), (9, 4));
    assert_eq!((m.faults, m.hits), (13, 7));
    pc.check_invariants(true).unwrap();
}
