//! Every bundled scenario's reports read back through `memsim_report::RunFiles` give the values
//! the run produced: render → read back → same numbers.

mod common;

use common::workspace;
use memsim_core::Account;
use memsim_report::{RunFiles, write_all_reports};

#[test]
fn every_bundled_scenario_reads_back_to_its_run_s_values() {
    let mut sims: Vec<_> = std::fs::read_dir(workspace().join("sims"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    sims.sort();
    assert!(sims.len() >= 9, "{sims:?}");
    for path in &sims {
        let name = path.file_name().unwrap().to_string_lossy();
        let source = std::fs::read_to_string(path).unwrap();
        let scenario = memsim_scenario::parse(&source, &name).unwrap();
        let s = memsim_engine::run(&scenario, memsim_engine::RunOptions::default());
        let files = write_all_reports(&s);
        let r = RunFiles::from_files(files.iter().map(|(n, b)| (*n, b.as_slice())))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let rep = &r.report;
        assert_eq!(rep.scenario, s.scenario, "{name}");
        assert_eq!(rep.seed, s.seed, "{name}");
        assert_eq!(rep.verdict, s.verdict, "{name}");
        assert_eq!(rep.limit_bytes, s.limit_bytes, "{name}");
        assert_eq!(rep.configured_bytes, s.configured_bytes, "{name}");
        let terms: Vec<(String, u64)> = rep
            .configured_terms
            .iter()
            .map(|t| (t.name.clone(), t.bytes))
            .collect();
        assert_eq!(terms, s.configured_terms, "{name}");
        assert_eq!(rep.peak_resident_bytes, s.peak_resident_bytes, "{name}");
        for ((cat, c), a) in rep.categories_at_peak.iter().zip(Account::ALL) {
            let u = s.at_peak.get(*a);
            assert_eq!(cat, a.name(), "{name}");
            assert_eq!(
                (c.reserved_bytes, c.committed_bytes, c.resident_bytes),
                (u.reserved, u.committed, u.resident),
                "{name}: {cat}"
            );
            assert_eq!(c.configured, s.configured_accounts.contains(a), "{name}");
        }
        let beyond: Vec<(String, u64)> = s
            .beyond_configuration()
            .into_iter()
            .map(|(a, b)| (a.name().to_string(), b))
            .collect();
        let read: Vec<(String, u64)> = rep
            .beyond_configuration
            .iter()
            .map(|b| (b.category.clone(), b.resident_bytes))
            .collect();
        assert_eq!(read, beyond, "{name}");
        assert_eq!(rep.events.len(), s.events.len(), "{name}");
        for (e, x) in rep.events.iter().zip(&s.events) {
            assert_eq!(
                (e.kind.as_str(), e.message.as_str(), e.repeats),
                (x.kind.as_str(), x.message.as_str(), x.repeats),
                "{name}"
            );
        }
        assert_eq!(rep.counters, s.counters, "{name}");
        assert_eq!(rep.parameters, s.parameters, "{name}");
        assert_eq!(rep.gc.collections, s.gc.collections(), "{name}");
        assert_eq!(rep.n_events, s.n_events, "{name}");
        assert_eq!(rep.failures.requests_failed, s.failures.requests_failed);
        match (&rep.database, &s.database) {
            (Some(d), Some(x)) => {
                assert_eq!(d.steps.len(), x.steps.len(), "{name}");
                assert_eq!(d.last.total_bytes, x.last.total_bytes(), "{name}");
                assert_eq!(d.last.page_cache.faults, x.last.cache.faults, "{name}");
            }
            (None, None) => {}
            _ => panic!("{name}: database section"),
        }
        let ts = &r.timeseries;
        assert_eq!(ts.accounts, Account::ALL, "{name}");
        assert_eq!(ts.rows.len(), s.samples.len(), "{name}");
        for (row, sample) in ts.rows.iter().zip(&s.samples) {
            assert_eq!(row.at_ms, (sample.at.0 + 500_000) / 1_000_000, "{name}");
            for (i, u) in sample.accounts.iter().enumerate() {
                assert_eq!(row.resident_bytes[i], u.resident, "{name}");
                assert_eq!(row.committed_bytes[i], u.committed, "{name}");
            }
            assert_eq!(row.charge_bytes, sample.charge.charge_bytes, "{name}");
            assert_eq!(row.dirty_bytes, sample.charge.dirty_bytes, "{name}");
            assert_eq!(row.database.is_some(), s.database.is_some(), "{name}");
        }
        let nmt = memsim_report::parse_nmt(std::str::from_utf8(&files[2].1).unwrap()).unwrap();
        assert_eq!(r.nmt_summary, nmt, "{name}");
        assert_eq!(r.chart_svg.as_bytes(), files[3].1.as_slice(), "{name}");
    }
}
