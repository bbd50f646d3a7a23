//! A ceiling on requests per second, shared by every caller of one API. Cost Explorer
//! publishes no rate limit and bills every request, so costscope spaces its requests
//! rather than bursting into LimitExceededException.

use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next_free: Mutex<Option<Instant>>,
}

impl Pacer {
    /// At most `per_second` requests per second; 0 or less means no ceiling. (The
    /// config refuses rates below one a minute; anything slower is held at an hour.)
    pub fn per_second(per_second: f64) -> Pacer {
        let interval = if per_second > 0.0 {
            Duration::try_from_secs_f64(1.0 / per_second)
                .unwrap_or(Duration::MAX)
                .min(Duration::from_secs(3600))
        } else {
            Duration::ZERO
        };
        Pacer {
            interval,
            next_free: Mutex::new(None),
        }
    }

    /// The time between two requests (zero: no ceiling).
    pub fn interval(&self) -> Duration {
        self.interval
    }

    pub fn unlimited() -> Pacer {
        Pacer::per_second(0.0)
    }

    /// Waits until the next request may start, and books that slot.
    pub async fn wait(&self) {
        if self.interval.is_zero() {
            return;
        }
        let start = {
            let mut next_free = self.next_free.lock().await;
            let (start, next) = book_slot(Instant::now(), *next_free, self.interval);
            *next_free = Some(next);
            start
        };
        tokio::time::sleep_until(start.into()).await;
    }
}

/// When a request asked for at `now` may start, and when the one after it may.
fn book_slot(now: Instant, next_free: Option<Instant>, interval: Duration) -> (Instant, Instant) {
    let start = next_free.map_or(now, |free| free.max(now));
    (start, start + interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_spaced_by_the_interval_and_idle_time_is_not_banked() {
        let t0 = Instant::now();
        let gap = Duration::from_millis(200);
        let (first, next) = book_slot(t0, None, gap);
        assert_eq!(first, t0);
        // Asked again at once: waits for the next slot.
        let (second, next) = book_slot(t0, Some(next), gap);
        assert_eq!(second, t0 + gap);
        // Asked long after: starts now, with no burst of saved-up slots.
        let later = t0 + Duration::from_secs(5);
        let (third, _) = book_slot(later, Some(next), gap);
        assert_eq!(third, later);
    }

    #[tokio::test]
    async fn an_unlimited_pacer_never_waits() {
        let pacer = Pacer::unlimited();
        for _ in 0..1000 {
            pacer.wait().await;
        }
        assert!(pacer.next_free.lock().await.is_none(), "no slot was booked");
    }
}
