//! The observed command's process tree: the root and every descendant, found by scanning `/proc`
//! for each process's parent (`procfs`), so children of children and daemonised helpers that
//! stay in the tree are all counted.

use std::collections::BTreeMap;

/// A process of the tree: its id and its executable's file name (`java`, `sh`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeProcess {
    /// Process id.
    pub pid: i32,
    /// The executable's file name from `/proc/<pid>/exe`, or the command name when unreadable.
    pub exe_name: String,
}

/// The root and its descendants, root first, then by increasing pid. Processes that vanish while
/// the scan runs are left out.
pub fn process_tree(root: i32) -> Vec<TreeProcess> {
    let mut children: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    let mut names: BTreeMap<i32, String> = BTreeMap::new();
    if let Ok(all) = procfs::process::all_processes() {
        for p in all.flatten() {
            if let Ok(stat) = p.stat() {
                children.entry(stat.ppid).or_default().push(stat.pid);
                let exe = p
                    .exe()
                    .ok()
                    .and_then(|e| e.file_name().map(|n| n.to_string_lossy().into_owned()));
                names.insert(stat.pid, exe.unwrap_or(stat.comm));
            }
        }
    }
    if !names.contains_key(&root) {
        return Vec::new();
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(kids) = children.get(&out[i]) {
            out.extend(kids.iter().copied());
        }
        i += 1;
    }
    out[1..].sort_unstable();
    out.into_iter()
        .map(|pid| TreeProcess {
            pid,
            exe_name: names.get(&pid).cloned().unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_its_own_root() {
        let me = std::process::id() as i32;
        let tree = process_tree(me);
        assert_eq!(tree[0].pid, me);
        assert!(process_tree(i32::MAX).is_empty());
    }
}
