//! A timer kept by one connection and reused for wait after wait, re-armed lazily.
//!
//! Under load a connection waits thousands of times per idle period (for the next request, for
//! a function's reply), and each wait ends microseconds later without its timer firing.
//! Registering a fresh timer for every wait, and removing it again, cost more than the rest of
//! the wait's bookkeeping. A reused timer instead keeps an earlier wait's deadline until it
//! fires, and only then moves to the current wait's (or ends the wait, if that has passed). A
//! deadline earlier than the timer's moves it at once, so no wait outlasts its own deadline.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::time::{Instant, Sleep};

/// Resolves once `deadline` has passed, using `timer` (the connection's reused timer) and
/// moving it only when it must. Dropping the future midway (the wait ended first) leaves the
/// timer armed at some deadline no later than needed, ready for the next wait.
pub(crate) fn until(mut timer: Pin<&mut Sleep>, deadline: Instant) -> Until<'_> {
    if timer.deadline() > deadline {
        timer.as_mut().reset(deadline);
    }
    Until { timer, deadline }
}

/// [`until`]'s future. Written out rather than as an `async fn`: it is polled at every wait
/// of every request, and the hand-written poll inlines into the caller's.
pub(crate) struct Until<'a> {
    timer: Pin<&'a mut Sleep>,
    deadline: Instant,
}

impl Future for Until<'_> {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = self.deadline;
        loop {
            ready!(self.timer.as_mut().poll(cx));
            if self.timer.deadline() >= deadline {
                return Poll::Ready(());
            }
            self.timer.as_mut().reset(deadline);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    // Real time: the margins are wide, and what is checked is when the waits end.

    #[tokio::test]
    async fn an_earlier_deadline_moves_the_timer_and_a_later_one_waits_for_it() {
        let start = Instant::now();
        let mut timer = Box::pin(tokio::time::sleep_until(start + Duration::from_secs(60)));
        until(timer.as_mut(), start + Duration::from_millis(50)).await;
        assert!(start.elapsed() < Duration::from_secs(5));
        // The timer fired at 50 ms; a later deadline re-arms it rather than ending at once.
        until(timer.as_mut(), start + Duration::from_millis(300)).await;
        assert!(start.elapsed() >= Duration::from_millis(300));
    }

    #[tokio::test]
    async fn a_kept_earlier_deadline_does_not_end_a_later_wait() {
        let start = Instant::now();
        let mut timer = Box::pin(tokio::time::sleep_until(start + Duration::from_millis(50)));
        until(timer.as_mut(), start + Duration::from_millis(250)).await;
        assert!(start.elapsed() >= Duration::from_millis(250));
    }
}
