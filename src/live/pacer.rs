//! Client-side pacing: at most N requests in any sliding 60-second window
//! (MDCA documents 30 requests per minute per tenant). Bursts up to N go out
//! at once, so a tenant with fewer than N pages is never slowed down.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct Pacer {
    per_minute: u32,
    sent: VecDeque<Instant>,
}

impl Pacer {
    /// `per_minute == 0` disables pacing.
    pub fn new(per_minute: u32) -> Pacer {
        Pacer {
            per_minute,
            sent: VecDeque::new(),
        }
    }

    /// How long to wait before the next request may go out, as of `now`.
    pub fn delay(&mut self, now: Instant) -> Duration {
        if self.per_minute == 0 {
            return Duration::ZERO;
        }
        while self
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            self.sent.pop_front();
        }
        if self.sent.len() < self.per_minute as usize {
            return Duration::ZERO;
        }
        let oldest = self.sent[self.sent.len() - self.per_minute as usize];
        (oldest + WINDOW).saturating_duration_since(now)
    }

    /// Records that a request went out at `at`.
    pub fn record(&mut self, at: Instant) {
        if self.per_minute > 0 {
            self.sent.push_back(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_waits_for_the_window() {
        let start = Instant::now();
        let mut pacer = Pacer::new(3);
        for i in 0..3 {
            assert_eq!(pacer.delay(start + Duration::from_secs(i)), Duration::ZERO);
            pacer.record(start + Duration::from_secs(i));
        }
        assert_eq!(
            pacer.delay(start + Duration::from_secs(10)),
            Duration::from_secs(50)
        );
        assert_eq!(pacer.delay(start + Duration::from_secs(60)), Duration::ZERO);
    }

    #[test]
    fn zero_disables() {
        let mut pacer = Pacer::new(0);
        let now = Instant::now();
        for _ in 0..1000 {
            pacer.record(now);
        }
        assert_eq!(pacer.delay(now), Duration::ZERO);
    }
}
