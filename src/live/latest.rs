//! "Latest wins" publishing from a worker thread to the UI: the worker never blocks on a slow
//! reader (a full queue drops its oldest value), the reader takes only the newest value, and
//! every publication wakes the UI (a repaint request).

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};
use std::sync::Arc;

/// Asks the UI for a new frame (a repaint request), from any thread.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// The worker's end.
pub struct Publisher<T> {
    values: Sender<T>,
    oldest: Receiver<T>,
    wake: Wake,
}

/// The UI's end.
pub struct Latest<T> {
    values: Receiver<T>,
}

/// A publisher and its reader; at most two values wait at any time.
pub fn channel<T>(wake: Wake) -> (Publisher<T>, Latest<T>) {
    let (tx, rx) = bounded(2);
    (
        Publisher {
            values: tx,
            oldest: rx.clone(),
            wake,
        },
        Latest { values: rx },
    )
}

impl<T> Publisher<T> {
    /// Publishes `value`, dropping the oldest waiting value if the queue is full, and wakes the
    /// UI. (The publisher holds a reader of its own to drop the oldest value, so the queue never
    /// disconnects: workers stop when their command channel closes.)
    pub fn publish(&self, mut value: T) {
        while let Err(e) = self.values.try_send(value) {
            match e {
                TrySendError::Full(v) => {
                    let _ = self.oldest.try_recv();
                    value = v;
                }
                TrySendError::Disconnected(_) => return,
            }
        }
        (self.wake)();
    }
}

impl<T> Latest<T> {
    /// The newest value published since the last call, if any.
    pub fn latest(&self) -> Option<T> {
        self.values.try_iter().last()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn the_newest_value_wins_and_every_publication_wakes() {
        let wakes = Arc::new(AtomicUsize::new(0));
        let w = wakes.clone();
        let (tx, rx) = channel::<u32>(Arc::new(move || {
            w.fetch_add(1, Ordering::Relaxed);
        }));
        for v in 0..5 {
            tx.publish(v);
        }
        assert_eq!(rx.latest(), Some(4));
        assert_eq!(rx.latest(), None);
        assert_eq!(wakes.load(Ordering::Relaxed), 5);
    }
}
