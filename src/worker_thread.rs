//! A named background thread driven by commands and reporting events over bounded channels: the
//! shape of both trainers' workers. Dropping the handle sends the shutdown command and joins.

use crossbeam_channel::{Receiver, Sender, bounded};
use std::thread::JoinHandle;
use std::time::Duration;

/// The hook a worker calls after each event (the UI's `request_repaint`).
pub type Wake = std::sync::Arc<dyn Fn() + Send + Sync>;

/// Capacity of each direction's channel.
const CAPACITY: usize = 64;

pub struct WorkerThread<C: Send + 'static, E: Send + 'static> {
    commands: Sender<C>,
    events: Receiver<E>,
    thread: Option<JoinHandle<()>>,
    shutdown: fn() -> C,
    /// "the trainer thread" and the like, for messages.
    what: &'static str,
}

impl<C: Send + 'static, E: Send + 'static> WorkerThread<C, E> {
    /// Runs `body(commands, events)` on a thread called `name`.
    pub fn start(
        name: &str,
        what: &'static str,
        shutdown: fn() -> C,
        body: impl FnOnce(Receiver<C>, Sender<E>) + Send + 'static,
    ) -> Result<Self, String> {
        let (cmd_tx, cmd_rx) = bounded(CAPACITY);
        let (ev_tx, ev_rx) = bounded(CAPACITY);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || body(cmd_rx, ev_tx))
            .map_err(|e| format!("cannot start {what}: {e}"))?;
        Ok(WorkerThread {
            commands: cmd_tx,
            events: ev_rx,
            thread: Some(thread),
            shutdown,
            what,
        })
    }

    pub fn send(&self, command: C) -> Result<(), String> {
        self.commands
            .send(command)
            .map_err(|_| format!("{} has stopped", self.what))
    }

    /// Every event received so far.
    pub fn drain_events(&self) -> Vec<E> {
        self.events.try_iter().collect()
    }

    /// Waits up to `timeout` for the next event.
    pub fn next_event(&self, timeout: Duration) -> Option<E> {
        self.events.recv_timeout(timeout).ok()
    }
}

impl<C: Send + 'static, E: Send + 'static> Drop for WorkerThread<C, E> {
    fn drop(&mut self) {
        let _ = self.commands.send((self.shutdown)());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
