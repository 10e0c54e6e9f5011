//! Field layers ([`crate::scene::layers`]) computed off the UI thread; the latest request wins.

use super::latest::{self, Latest, Wake};
pub use crate::scene::layers::{FieldRequest, FieldResult, compute};
use crossbeam_channel::{Sender, bounded};
use std::thread::JoinHandle;

pub struct FieldWorker {
    requests: Sender<FieldRequest>,
    results: Latest<FieldResult>,
    thread: Option<JoinHandle<()>>,
}

impl FieldWorker {
    pub fn spawn(wake: Wake) -> FieldWorker {
        let (req_tx, req_rx) = bounded::<FieldRequest>(16);
        let (publisher, results) = latest::channel(wake);
        let thread = std::thread::Builder::new()
            .name("scorefield-field".into())
            .spawn(move || {
                while let Ok(mut req) = req_rx.recv() {
                    // Latest wins: skip to the newest pending request.
                    while let Ok(newer) = req_rx.try_recv() {
                        req = newer;
                    }
                    publisher.publish(compute(&req));
                }
            })
            .ok();
        FieldWorker {
            requests: req_tx,
            results,
            thread,
        }
    }

    pub fn request(&self, req: FieldRequest) {
        let _ = self.requests.try_send(req);
    }

    /// The newest finished result, if any.
    pub fn latest(&self) -> Option<FieldResult> {
        self.results.latest()
    }
}

impl Drop for FieldWorker {
    fn drop(&mut self) {
        // Dropping the only request sender ends the thread's loop after its current request.
        let (closed, _) = bounded(1);
        drop(std::mem::replace(&mut self.requests, closed));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
