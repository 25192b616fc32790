//! The seed of the random tests (the crash tests' kill moments): a new one
//! each run, printed with the command that replays it, or the one given in
//! `FICHES_TEST_SEED`.

use std::time::SystemTime;

/// The variable that replays a seed.
pub const VAR: &str = "FICHES_TEST_SEED";

/// xorshift64*: enough randomness for kill times, no extra dependency.
pub struct Rng(u64);

impl Rng {
    /// The generator of `test` (its full name in the `it` binary,
    /// `module::function`, for the replay command): seeded from
    /// `FICHES_TEST_SEED` when set, else from the clock; the seed is
    /// printed either way.
    pub fn for_test(test: &str) -> Rng {
        let seed = match std::env::var(VAR) {
            Ok(v) => v
                .trim()
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{VAR}={v}: not a seed (a whole number expected)")),
            Err(_) => SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64,
        };
        eprintln!(
            "{test}: seed {seed}; to replay: \
             {VAR}={seed} cargo test --test it {test} -- --exact --nocapture"
        );
        Rng(seed | 1)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}
