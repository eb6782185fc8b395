//! What every end-to-end test shares: the binary under test.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use assert_cmd::Command;

/// The `ctsleuth` binary built for these tests.
pub fn ctsleuth() -> Command {
    Command::cargo_bin("ctsleuth").expect("cargo builds the ctsleuth binary for its tests")
}
