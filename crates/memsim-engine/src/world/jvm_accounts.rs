//! The JVM's accounts in the ledger, re-written after an event only when what they depend on
//! changed: the heap's accounts with the JVM's volatile inputs, the rest with its stable version.

use memsim_core::{Account, Usage};

use super::World;

impl World<'_> {
    /// Writes the JVM's accounts that may have changed since the ledger last received them. A
    /// request's arrival and release leave both the stable version and (once the heap's pages are
    /// touched) the volatile inputs as they were, so most events write none.
    pub(super) fn account_jvm(&mut self) {
        let inputs = self.jvm.volatile_inputs();
        if self.jvm_volatile_accounted != Some(inputs) {
            self.jvm.account_volatile(&mut self.ledger);
            self.jvm_volatile_accounted = Some(inputs);
        }
        let version = self.jvm.stable_version();
        if self.jvm_stable_accounted != Some(version) {
            self.jvm.account_stable(&mut self.ledger);
            self.jvm_stable_accounted = Some(version);
        }
    }

    /// Under `--check-invariants`, after the charge: the JVM's accounts as the ledger holds them
    /// are what it would write now, `Libraries`' resident part apart (the kernel model's charge
    /// sets it after every event, from the committed part the JVM wrote).
    pub(super) fn check_jvm_accounts(&self) {
        let mut fresh = self.ledger.clone();
        self.jvm.account_volatile(&mut fresh);
        fresh.set(
            Account::Libraries,
            Usage {
                resident: self.ledger.get(Account::Libraries).resident,
                ..fresh.get(Account::Libraries)
            },
        );
        assert!(
            fresh == self.ledger,
            "the JVM's heap accounts changed at {} without new volatile inputs",
            self.now
        );
        self.jvm.account_stable(&mut fresh);
        assert!(
            fresh == self.ledger,
            "the JVM's accounts changed at {} without a new stable version",
            self.now
        );
    }
}
