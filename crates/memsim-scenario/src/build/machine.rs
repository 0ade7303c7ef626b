//! The `[machine]` table: RAM, container and address-space limits, cores and CPU quota, memory the
//! OS keeps, and the process's thread limit.

use super::fields::{nonzero_size, required_table, uint_in};
use super::human::human_size;
use super::limits::{DEFAULT_CORES, MAX_CORES};
use crate::keys;
use crate::model::Machine;
use crate::reader::{Ctx, Tab};

pub(super) fn read_machine(cx: &mut Ctx<'_>, root: &Tab<'_, '_>) -> Machine {
    let mut m = Machine {
        ram: 0,
        container_limit: None,
        cores: DEFAULT_CORES,
        os_reserved: 0,
        max_threads: None,
        address_space: None,
        cpu_limit: None,
    };
    let Some(t) = required_table(
        cx,
        root,
        "machine",
        "add a `[machine]` table with at least `ram = \"16g\"`",
    ) else {
        return m;
    };
    t.check_keys(cx, keys::MACHINE);
    let ram = t.require(
        cx,
        "ram",
        "set the machine's physical memory, e.g. `ram = \"16g\"`",
        Ctx::size,
    );
    if let Some((r, span)) = &ram {
        if *r == 0 {
            cx.err(
                "machine.ram",
                span.clone(),
                "`machine.ram` is zero",
                Some("set the machine's physical memory, e.g. `ram = \"16g\"`".into()),
            );
        } else {
            m.ram = *r;
        }
    }
    m.container_limit = nonzero_size(
        cx,
        &t,
        "container_limit",
        "a container limit of 0 leaves nothing to run in; remove the key for no container",
    )
    .map(|(v, _)| v);
    if let Some((c, span)) = t.read(cx, "cores", Ctx::uint) {
        if c == 0 || c > MAX_CORES {
            cx.err(
                "machine.cores",
                span,
                format!("`machine.cores` is {c}; it must be between 1 and {MAX_CORES}"),
                Some("the number of CPUs the JVM sees (`-XX:ActiveProcessorCount`)".into()),
            );
        } else {
            m.cores = c as u32;
        }
    }
    if let Some((r, span)) = t.read(cx, "os_reserved", Ctx::size) {
        if m.ram > 0 && r >= m.ram {
            cx.err(
                "machine.os_reserved",
                span,
                format!(
                    "`machine.os_reserved` ({}) leaves no memory for the process: `machine.ram` is {}",
                    human_size(r),
                    human_size(m.ram)
                ),
                Some("os_reserved is memory used by the kernel and other processes; it must be less than ram".into()),
            );
        } else {
            m.os_reserved = r;
        }
    }
    m.max_threads = uint_in(
        cx,
        &t,
        "max_threads",
        (1, 4_194_304),
        "the process's thread limit (`pids.max` of its container, or `ulimit -u`); remove the key for none",
    )
    .map(|(n, _)| n);
    m.cpu_limit = uint_in(
        cx,
        &t,
        "cpu_limit",
        (1, MAX_CORES),
        "the container's CPU quota in whole CPUs, rounded up (Kubernetes `limits.cpu: 1500m` → 2)",
    )
    .map(|(n, _)| n as u32);
    m.address_space = nonzero_size(
        cx,
        &t,
        "address_space",
        "`ulimit -v` of 0 leaves no address space; remove the key for no limit",
    )
    .map(|(v, _)| v);
    m
}
