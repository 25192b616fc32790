//! Process-wide state in a binary that holds every integration test.
//!
//! All the modules of `tests/it/` run as threads of one process, so a test
//! that changes what the process holds once for good (the call definition
//! installed with `fiches::call::install`, a `OnceLock` read by everything
//! else) would change it for every other test, and would fail when another
//! test had read the definition first. Such a test runs alone in a child
//! process of this same test binary: [`own_process`].

use std::process::Command;

/// Set in the child to the full name of the one test it runs.
const VAR: &str = "FICHES_TEST_OWN_PROCESS";

/// `true` in the child process that runs `test` (its full name in this
/// binary, `module::function`): the caller goes on with the test. In the
/// parent, runs the test binary again on that test alone, asserts that it
/// ran and passed, and returns `false`: the caller returns.
pub fn own_process(test: &str) -> bool {
    if std::env::var_os(VAR).is_some_and(|v| v == test) {
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(&exe)
        .args([test, "--exact", "--test-threads=1", "--nocapture"])
        .env(VAR, test)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", exe.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{test}, run alone in a child process, failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "{test}: the child process ran no test (wrong name?):\n{stdout}\n{stderr}"
    );
    false
}
