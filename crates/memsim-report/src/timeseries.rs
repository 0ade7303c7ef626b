//! `timeseries.csv`: one row per sample with every account's committed and resident bytes.
//!
//! Written directly rather than with the `csv` crate: every field is a number or a slug of
//! letters, digits and `_`, so nothing ever needs quoting.

use std::io::{self, BufWriter, Write};

use memsim_core::{Account, Backing, RunSummary, Sample};

use crate::{account_slug, seconds_fixed};

/// Writes `timeseries.csv`.
///
/// Header: `time_s`, then `<slug>_committed_bytes,<slug>_resident_bytes` for each account in
/// [`Account::ALL`] order (slugs from [`crate::account_slug`]), then
/// `resident_anon_bytes,resident_file_bytes,resident_total_bytes`, then the kernel's view:
/// `charge_bytes` (what the memory cgroup charges: anonymous, page cache, kernel),
/// `working_set_bytes` (the charge less inactive file pages, as `kubectl top` shows),
/// `charged_file_bytes`, `dirty_bytes`, `kernel_bytes`; for a run with a database, then
/// `page_cache_hit_ratio` (over the interval since the previous sample; empty when nothing was
/// pinned), `page_cache_usage_ratio`, `page_cache_pins`, `page_cache_faults`,
/// `page_cache_evictions` (cumulative), `db_store_bytes`, `db_id_file_bytes`, `db_tx_log_bytes`,
/// `db_tx_log_files`, `db_reusable_ids`, `db_store_size_metric_bytes`, and per store `<store>_bytes,<store>_high_id,
/// <store>_reusable_ids` (`nodestore`, `relationshipstore`, `propertystore`, …). One row per sample in
/// `s.samples`, time in seconds with three decimals, sizes in bytes. Lines end with `\n`.
///
/// # Errors
/// Any error from `w`.
pub fn render_csv(s: &RunSummary, w: &mut impl Write) -> io::Result<()> {
    let mut w = BufWriter::new(w);
    write_header_columns(&mut w)?;
    if let Some(db) = &s.database {
        crate::db::csv_header(db, &mut w)?;
    }
    writeln!(w)?;
    for (i, sample) in s.samples.iter().enumerate() {
        write_row_columns(sample, &mut w)?;
        if let Some(db) = &s.database {
            crate::db::csv_row(db, i, &mut w)?;
        }
        writeln!(w)?;
    }
    w.flush()
}

/// Writes `timeseries.csv`'s header line for a run without a database, exactly as
/// [`render_csv`] does: for a writer that appends rows as samples are taken
/// ([`render_csv_row`]), as `memsim observe` does.
///
/// # Errors
/// Any error from `w`.
pub fn render_csv_header(w: &mut impl Write) -> io::Result<()> {
    write_header_columns(w)?;
    writeln!(w)
}

/// Writes one sample's line of `timeseries.csv` for a run without a database, exactly as
/// [`render_csv`] writes it.
///
/// # Errors
/// Any error from `w`.
pub fn render_csv_row(sample: &Sample, w: &mut impl Write) -> io::Result<()> {
    write_row_columns(sample, w)?;
    writeln!(w)
}

fn write_header_columns(w: &mut impl Write) -> io::Result<()> {
    write!(w, "time_s")?;
    for account in Account::ALL {
        let slug = account_slug(*account);
        write!(w, ",{slug}_committed_bytes,{slug}_resident_bytes")?;
    }
    write!(
        w,
        ",resident_anon_bytes,resident_file_bytes,resident_total_bytes,charge_bytes,working_set_bytes,charged_file_bytes,dirty_bytes,kernel_bytes"
    )
}

fn write_row_columns(sample: &Sample, w: &mut impl Write) -> io::Result<()> {
    write!(w, "{}", seconds_fixed(sample.at))?;
    let (mut anon, mut file) = (0u64, 0u64);
    for (account, usage) in Account::ALL.iter().zip(&sample.accounts) {
        write!(w, ",{},{}", usage.committed, usage.resident)?;
        match account.backing() {
            Backing::Anon => anon += usage.resident,
            Backing::File => file += usage.resident,
        }
    }
    write!(w, ",{anon},{file},{}", anon + file)?;
    let c = &sample.charge;
    write!(
        w,
        ",{},{},{},{},{}",
        c.charge_bytes, c.working_set_bytes, c.file_bytes, c.dirty_bytes, c.kernel_bytes
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn appended_rows_are_the_rendered_file() {
        let s = fixture::oom_run();
        assert!(s.database.is_none());
        let mut whole = Vec::new();
        render_csv(&s, &mut whole).unwrap();
        let mut appended = Vec::new();
        render_csv_header(&mut appended).unwrap();
        for sample in &s.samples {
            render_csv_row(sample, &mut appended).unwrap();
        }
        assert_eq!(appended, whole);
    }

    #[test]
    fn header_rows_and_totals() {
        let s = fixture::oom_run();
        let mut out = Vec::new();
        render_csv(&s, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(header.len(), 1 + 2 * Account::COUNT + 3 + 5);
        assert_eq!(header[0], "time_s");
        assert_eq!(header[1], "java_heap_committed_bytes");
        assert_eq!(header[2], "java_heap_resident_bytes");
        assert!(header.contains(&"page_cache_resident_bytes"));
        assert!(header.contains(&"netty_direct_committed_bytes"));
        assert_eq!(header[2 * Account::COUNT], "mapped_files_resident_bytes");
        assert_eq!(
            header[2 * Account::COUNT + 1..],
            [
                "resident_anon_bytes",
                "resident_file_bytes",
                "resident_total_bytes",
                "charge_bytes",
                "working_set_bytes",
                "charged_file_bytes",
                "dirty_bytes",
                "kernel_bytes"
            ]
        );
        let rows: Vec<Vec<u64>> = lines
            .map(|l| {
                let fields: Vec<&str> = l.split(',').collect();
                assert_eq!(fields.len(), header.len());
                assert!(fields[0].split_once('.').unwrap().1.len() == 3);
                fields[1..].iter().map(|f| f.parse().unwrap()).collect()
            })
            .collect();
        assert_eq!(rows.len(), s.samples.len());
        for (row, sample) in rows.iter().zip(&s.samples) {
            let residents: u64 = (0..Account::COUNT).map(|i| row[2 * i + 1]).sum();
            let n = 2 * Account::COUNT + 3;
            assert_eq!(row[n - 3] + row[n - 2], row[n - 1]);
            assert_eq!(residents, row[n - 1]);
            assert_eq!(row[n - 1], sample.resident_total());
            assert_eq!(row[n], sample.charge.charge_bytes);
            assert_eq!(row[n + 1], sample.charge.working_set_bytes);
        }
        assert!(text.lines().last().unwrap().starts_with("723.250,"));
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn empty_run_has_only_the_header() {
        let mut s = fixture::oom_run();
        s.samples.clear();
        let mut a = Vec::new();
        render_csv(&s, &mut a).unwrap();
        assert_eq!(String::from_utf8(a).unwrap().lines().count(), 1);
    }
}
