//! How often, and how fast, a write that lost a race to another writer is tried again
//! (upstream's `GuaranteedUpdate` loop). Every optimistic write in the registry — PUT
//! and PATCH without a resourceVersion, DELETE, binding, eviction — follows this one
//! policy: the first few retries at once (each lost race is another writer's success,
//! so under contention the writers as a whole progress), then with a growing, jittered
//! pause, and at most [`MAX_ATTEMPTS`] in all. The request deadline bounds it too.

use std::time::Duration;

/// Attempts before a write that keeps losing gives up with 409 Conflict.
pub(crate) const MAX_ATTEMPTS: u32 = 64;
/// Retries made without pausing.
const IMMEDIATE: u32 = 4;
/// The first pause, doubled each retry after it, up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(1);
const MAX_PAUSE: Duration = Duration::from_millis(100);

/// One write's retries.
#[derive(Debug, Default)]
pub(crate) struct Retry {
    attempts: u32,
}

impl Retry {
    /// Counts an attempt that lost a race; waits before the next one. False when the
    /// write has had all its attempts.
    pub(crate) async fn again(&mut self) -> bool {
        self.attempts += 1;
        if self.attempts >= MAX_ATTEMPTS {
            return false;
        }
        if let Some(pause) = self.pause() {
            tokio::time::sleep(pause).await;
        }
        true
    }

    /// Whether the first attempt is still to come (or under way).
    pub(crate) fn first(&self) -> bool {
        self.attempts == 0
    }

    fn pause(&self) -> Option<Duration> {
        let backoff = self.attempts.checked_sub(IMMEDIATE)?;
        let pause = FIRST_PAUSE.saturating_mul(1 << backoff.min(16)).min(MAX_PAUSE);
        // Up to half again, so writers that collided do not collide again in step.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let jitter = pause.mul_f64(f64::from(nanos % 1000) / 2000.0);
        Some(pause + jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn retries_at_once_then_back_off_then_give_up() {
        let mut retry = Retry::default();
        assert!(retry.first());
        for _ in 0..IMMEDIATE - 1 {
            assert!(retry.again().await);
            assert_eq!(retry.pause(), None);
        }
        let mut pauses = Vec::new();
        while retry.again().await {
            pauses.push(retry.pause().unwrap_or_default());
        }
        assert_eq!(retry.attempts, MAX_ATTEMPTS);
        assert!(pauses.windows(2).all(|w| w[1] >= w[0] || w[0] >= MAX_PAUSE));
        assert!(pauses.iter().all(|p| *p <= MAX_PAUSE + MAX_PAUSE / 2));
    }
}
