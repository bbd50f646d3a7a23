//! A tiny seeded generator. Hand-written on purpose: its output must never change with a
//! dependency upgrade, or every demo snapshot would.

use chrono::NaiveDate;

pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, bound).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Uniform in [0, 1), a pure function of its inputs.
pub fn unit_noise(seed: u64, account: u64, service: u64, day: NaiveDate) -> f64 {
    let day = (day - NaiveDate::default()).num_days() as u64;
    let h = mix(seed ^ mix(account.wrapping_mul(0x1000_0001) ^ mix(service << 32 ^ day)));
    (h >> 11) as f64 / (1u64 << 53) as f64
}
