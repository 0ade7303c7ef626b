//! `timeseries.csv` read back: the header matched against the layout [`crate::render_csv`] writes,
//! then one typed row per sample.
//!
//! The per-account columns may be any accounts memsim knows, in any order (a run recorded from a
//! real process may have fewer than a simulated one); a column memsim does not know is
//! [`RunFilesError::UnknownFormat`]. Numbers must be whole bytes, times seconds with decimals,
//! ratios decimals or empty (the hit ratio of an interval with no pins).

use memsim_core::Account;

use super::RunFilesError;
use crate::account_slug;

const FILE: &str = "timeseries.csv";

/// The kernel's columns after the accounts', in order.
const TOTALS: [&str; 8] = [
    "resident_anon_bytes",
    "resident_file_bytes",
    "resident_total_bytes",
    "charge_bytes",
    "working_set_bytes",
    "charged_file_bytes",
    "dirty_bytes",
    "kernel_bytes",
];

/// The database's columns before the per-store ones, in order.
const DB_COLUMNS: [&str; 11] = [
    "page_cache_hit_ratio",
    "page_cache_usage_ratio",
    "page_cache_pins",
    "page_cache_faults",
    "page_cache_evictions",
    "db_store_bytes",
    "db_id_file_bytes",
    "db_tx_log_bytes",
    "db_tx_log_files",
    "db_reusable_ids",
    "db_store_size_metric_bytes",
];

/// `timeseries.csv`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimeSeries {
    /// The accounts with columns, in column order; rows' `committed_bytes` and `resident_bytes`
    /// are indexed like this.
    pub accounts: Vec<Account>,
    /// The store slugs with columns (`nodestore`, …), for a run with a database; rows' `stores`
    /// are indexed like this.
    pub stores: Vec<String>,
    /// Whether the database columns are present.
    pub database_columns: bool,
    /// One row per sample, in time order.
    pub rows: Vec<TimeSeriesRow>,
}

impl TimeSeries {
    /// Reads a `timeseries.csv` on its own: a run's, or one still being appended to by `memsim
    /// observe` (or left by one that was killed), whose rows are complete lines.
    ///
    /// # Errors
    /// [`RunFilesError`] naming the line.
    pub fn parse(text: &str) -> Result<TimeSeries, RunFilesError> {
        parse(text)
    }

    /// Whether the run had a database (its columns are present).
    pub fn has_database(&self) -> bool {
        self.database_columns
    }

    /// The column index of `account` in rows' vectors.
    pub fn account_index(&self, account: Account) -> Option<usize> {
        self.accounts.iter().position(|a| *a == account)
    }
}

/// One sample.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimeSeriesRow {
    /// The sample's time in whole milliseconds since the start.
    pub at_ms: u64,
    /// The same in seconds.
    pub time_s: f64,
    /// Committed bytes per account, indexed like [`TimeSeries::accounts`].
    pub committed_bytes: Vec<u64>,
    /// Resident bytes per account, indexed like [`TimeSeries::accounts`].
    pub resident_bytes: Vec<u64>,
    /// Resident anonymous bytes.
    pub resident_anon_bytes: u64,
    /// Resident file-backed bytes.
    pub resident_file_bytes: u64,
    /// All resident bytes.
    pub resident_total_bytes: u64,
    /// The memory cgroup's charge.
    pub charge_bytes: u64,
    /// The charge less inactive file pages.
    pub working_set_bytes: u64,
    /// Charged file pages.
    pub charged_file_bytes: u64,
    /// Dirty file pages.
    pub dirty_bytes: u64,
    /// Kernel memory charged.
    pub kernel_bytes: u64,
    /// The database's columns, for a run with one.
    pub database: Option<DbRow>,
}

/// A sample's database columns.
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)] // Each field is the column of the same name (see `render_csv`).
pub struct DbRow {
    /// `None` when nothing was pinned in the interval.
    pub page_cache_hit_ratio: Option<f64>,
    pub page_cache_usage_ratio: f64,
    pub page_cache_pins: u64,
    pub page_cache_faults: u64,
    pub page_cache_evictions: u64,
    pub db_store_bytes: u64,
    pub db_id_file_bytes: u64,
    pub db_tx_log_bytes: u64,
    pub db_tx_log_files: u64,
    pub db_reusable_ids: u64,
    pub db_store_size_metric_bytes: u64,
    /// Per store, indexed like [`TimeSeries::stores`].
    pub stores: Vec<StoreColumns>,
}

/// One store's columns in a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[allow(missing_docs)]
pub struct StoreColumns {
    pub bytes: u64,
    pub high_id: u64,
    pub reusable_ids: u64,
}

fn malformed(line: usize, message: String) -> RunFilesError {
    RunFilesError::Malformed {
        file: FILE,
        line,
        message,
    }
}

fn unknown(line: usize, message: String) -> RunFilesError {
    RunFilesError::UnknownFormat {
        file: FILE,
        line,
        message,
    }
}

/// Reads `timeseries.csv`'s text.
pub(crate) fn parse(text: &str) -> Result<TimeSeries, RunFilesError> {
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(malformed(1, "empty: no header line".into()));
    };
    let columns: Vec<&str> = header.split(',').collect();
    let mut out = header_layout(&columns)?;
    let n_accounts = out.accounts.len();
    for (i, line) in lines {
        let n = i + 1;
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != columns.len() {
            return Err(malformed(
                n,
                format!(
                    "{} fields where the header has {} columns",
                    fields.len(),
                    columns.len()
                ),
            ));
        }
        let int = |k: usize| -> Result<u64, RunFilesError> {
            fields[k].parse().map_err(|_| {
                malformed(
                    n,
                    format!(
                        "column {} (`{}`): `{}` is not a whole number",
                        k + 1,
                        columns[k],
                        memsim_core::quote::escape_controls(fields[k])
                    ),
                )
            })
        };
        let at_ms = time_ms(fields[0]).ok_or_else(|| {
            malformed(
                n,
                format!(
                    "`{}` is not a time in seconds",
                    memsim_core::quote::escape_controls(fields[0])
                ),
            )
        })?;
        let mut row = TimeSeriesRow {
            at_ms,
            time_s: at_ms as f64 / 1000.0,
            ..TimeSeriesRow::default()
        };
        for a in 0..n_accounts {
            row.committed_bytes.push(int(1 + 2 * a)?);
            row.resident_bytes.push(int(2 + 2 * a)?);
        }
        let t = 1 + 2 * n_accounts;
        row.resident_anon_bytes = int(t)?;
        row.resident_file_bytes = int(t + 1)?;
        row.resident_total_bytes = int(t + 2)?;
        row.charge_bytes = int(t + 3)?;
        row.working_set_bytes = int(t + 4)?;
        row.charged_file_bytes = int(t + 5)?;
        row.dirty_bytes = int(t + 6)?;
        row.kernel_bytes = int(t + 7)?;
        let sum: u128 = row.resident_bytes.iter().map(|&b| u128::from(b)).sum();
        if u128::from(row.resident_anon_bytes) + u128::from(row.resident_file_bytes)
            != u128::from(row.resident_total_bytes)
            || (n_accounts == Account::COUNT && sum != u128::from(row.resident_total_bytes))
        {
            return Err(malformed(
                n,
                "resident_total_bytes is not the sum of the accounts' resident bytes and of anon + file".into(),
            ));
        }
        if let Some(prev) = out.rows.last()
            && prev.at_ms > at_ms
        {
            return Err(malformed(
                n,
                format!("time goes back (from {}s)", prev.time_s),
            ));
        }
        if out.database_columns {
            let d = t + TOTALS.len();
            let ratio = |k: usize| -> Result<Option<f64>, RunFilesError> {
                if fields[k].is_empty() {
                    return Ok(None);
                }
                match fields[k].parse::<f64>() {
                    Ok(r) if r.is_finite() && r >= 0.0 => Ok(Some(r)),
                    _ => Err(malformed(
                        n,
                        format!(
                            "column {} (`{}`): `{}` is not a ratio",
                            k + 1,
                            columns[k],
                            memsim_core::quote::escape_controls(fields[k])
                        ),
                    )),
                }
            };
            let mut db = DbRow {
                page_cache_hit_ratio: ratio(d)?,
                page_cache_usage_ratio: ratio(d + 1)?
                    .ok_or_else(|| malformed(n, "page_cache_usage_ratio is empty".into()))?,
                page_cache_pins: int(d + 2)?,
                page_cache_faults: int(d + 3)?,
                page_cache_evictions: int(d + 4)?,
                db_store_bytes: int(d + 5)?,
                db_id_file_bytes: int(d + 6)?,
                db_tx_log_bytes: int(d + 7)?,
                db_tx_log_files: int(d + 8)?,
                db_reusable_ids: int(d + 9)?,
                db_store_size_metric_bytes: int(d + 10)?,
                stores: Vec::with_capacity(out.stores.len()),
            };
            let s0 = d + DB_COLUMNS.len();
            for s in 0..out.stores.len() {
                db.stores.push(StoreColumns {
                    bytes: int(s0 + 3 * s)?,
                    high_id: int(s0 + 3 * s + 1)?,
                    reusable_ids: int(s0 + 3 * s + 2)?,
                });
            }
            row.database = Some(db);
        }
        out.rows.push(row);
    }
    Ok(out)
}

/// Reads the header into the layout (no rows yet).
fn header_layout(columns: &[&str]) -> Result<TimeSeries, RunFilesError> {
    if columns.first() != Some(&"time_s") {
        return Err(unknown(
            1,
            format!(
                "the first column is `{}`, not `time_s`",
                memsim_core::quote::escape_controls(columns.first().copied().unwrap_or(""))
            ),
        ));
    }
    let mut out = TimeSeries::default();
    let mut k = 1;
    while k < columns.len() && columns[k] != TOTALS[0] {
        let slug = columns[k].strip_suffix("_committed_bytes").ok_or_else(|| {
            unknown(
                1,
                format!(
                    "column {} is `{}`, where an account's `<name>_committed_bytes` or `{}` was expected",
                    k + 1,
                    memsim_core::quote::escape_controls(columns[k]),
                    TOTALS[0]
                ),
            )
        })?;
        let account = Account::ALL
            .iter()
            .find(|a| account_slug(**a) == slug)
            .ok_or_else(|| {
                unknown(
                    1,
                    format!(
                        "column {}: no account is named `{}`",
                        k + 1,
                        memsim_core::quote::escape_controls(slug)
                    ),
                )
            })?;
        let resident = format!("{slug}_resident_bytes");
        if columns.get(k + 1) != Some(&resident.as_str()) {
            return Err(unknown(
                1,
                format!("column {} should be `{resident}`", k + 2),
            ));
        }
        if out.accounts.contains(account) {
            return Err(malformed(1, format!("the account `{slug}` appears twice")));
        }
        out.accounts.push(*account);
        k += 2;
    }
    for (j, name) in TOTALS.iter().enumerate() {
        if columns.get(k + j) != Some(name) {
            return Err(unknown(
                1,
                format!("column {} should be `{name}`", k + j + 1),
            ));
        }
    }
    k += TOTALS.len();
    if k == columns.len() {
        return Ok(out);
    }
    for (j, name) in DB_COLUMNS.iter().enumerate() {
        if columns.get(k + j) != Some(name) {
            return Err(unknown(
                1,
                format!("column {} should be `{name}`", k + j + 1),
            ));
        }
    }
    out.database_columns = true;
    k += DB_COLUMNS.len();
    while k < columns.len() {
        let slug = columns[k].strip_suffix("_bytes").ok_or_else(|| {
            unknown(
                1,
                format!(
                    "column {} is `{}`, where a store's `<store>_bytes` was expected",
                    k + 1,
                    memsim_core::quote::escape_controls(columns[k])
                ),
            )
        })?;
        for (j, suffix) in ["high_id", "reusable_ids"].iter().enumerate() {
            let want = format!("{slug}_{suffix}");
            if columns.get(k + 1 + j) != Some(&want.as_str()) {
                return Err(unknown(
                    1,
                    format!("column {} should be `{want}`", k + 2 + j),
                ));
            }
        }
        out.stores.push(slug.to_string());
        k += 3;
    }
    Ok(out)
}

/// `723.250` → 723250: seconds with up to three decimals, as whole milliseconds.
fn time_ms(s: &str) -> Option<u64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty()
        || frac.len() > 3
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut ms: u64 = whole.parse::<u64>().ok()?.checked_mul(1000)?;
    let mut scale = 100;
    for b in frac.bytes() {
        ms = ms.checked_add(u64::from(b - b'0') * scale)?;
        scale /= 10;
    }
    Some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_to_the_millisecond() {
        assert_eq!(time_ms("723.250"), Some(723_250));
        assert_eq!(time_ms("0.000"), Some(0));
        assert_eq!(time_ms("12"), Some(12_000));
        assert_eq!(time_ms("1.5"), Some(1_500));
        assert_eq!(time_ms("-1.000"), None);
        assert_eq!(time_ms("1.0000"), None);
        assert_eq!(time_ms(".5"), None);
        assert_eq!(time_ms("99999999999999999999.000"), None);
    }
}
