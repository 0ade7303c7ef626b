//! SIGINT and SIGTERM to memsim while it observes: recorded, and forwarded to the command when a
//! process sent them (`kill`). A signal the kernel sent — Ctrl-C on the terminal reaches the whole
//! foreground process group, the command included — is not sent to it a second time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::thread::JoinHandle;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::exfiltrator::WithRawSiginfo;
use signal_hook::iterator::{Handle, SignalsInfo};

use crate::ObserveError;

/// Catches SIGINT and SIGTERM from before the command starts until it has ended.
#[derive(Debug)]
pub struct SignalForwarder {
    /// The command's pid, once started (0 before: nothing to forward to yet).
    pub child_pid: Arc<AtomicI32>,
    interrupted: Arc<AtomicBool>,
    handle: Handle,
    thread: JoinHandle<()>,
}

impl SignalForwarder {
    /// Starts catching.
    ///
    /// # Errors
    /// [`ObserveError::Signals`] when the handlers cannot be installed.
    pub fn start() -> Result<SignalForwarder, ObserveError> {
        let child_pid = Arc::new(AtomicI32::new(0));
        let interrupted = Arc::new(AtomicBool::new(false));
        let mut signals = SignalsInfo::<WithRawSiginfo>::new([SIGINT, SIGTERM])
            .map_err(|e| ObserveError::Signals(e.to_string()))?;
        let handle = signals.handle();
        let (pid, flag) = (child_pid.clone(), interrupted.clone());
        let thread = std::thread::spawn(move || {
            for info in signals.forever() {
                flag.store(true, Ordering::SeqCst);
                // `si_code` > 0 (SI_KERNEL): the kernel sent it, to the command too; ≤ 0 (SI_USER,
                // SI_QUEUE, SI_TKILL): a process did, to memsim alone.
                if info.si_code > 0 {
                    continue;
                }
                if let (Some(p), Some(s)) = (
                    rustix::process::Pid::from_raw(pid.load(Ordering::SeqCst)),
                    rustix::process::Signal::from_named_raw(info.si_signo),
                ) {
                    let _ = rustix::process::kill_process(p, s);
                }
            }
        });
        Ok(SignalForwarder {
            child_pid,
            interrupted,
            handle,
            thread,
        })
    }

    /// Stops catching; whether a signal came.
    pub fn finish(self) -> bool {
        self.handle.close();
        let _ = self.thread.join();
        self.interrupted.load(Ordering::SeqCst)
    }
}
