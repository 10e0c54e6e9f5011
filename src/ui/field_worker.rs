//! Field layers ([`crate::scene::layers`]) computed off the UI thread; the latest request wins.

pub use crate::scene::layers::{FieldRequest, FieldResult, compute};
use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};
use std::sync::Arc;
use std::thread::JoinHandle;

pub struct FieldWorker {
    requests: Sender<FieldRequest>,
    results: Receiver<FieldResult>,
    thread: Option<JoinHandle<()>>,
}

impl FieldWorker {
    pub fn spawn(wake: Arc<dyn Fn() + Send + Sync>) -> FieldWorker {
        let (req_tx, req_rx) = bounded::<FieldRequest>(16);
        let (res_tx, res_rx) = bounded::<FieldResult>(2);
        let oldest = res_rx.clone();
        let thread = std::thread::Builder::new()
            .name("scorefield-field".into())
            .spawn(move || {
                while let Ok(mut req) = req_rx.recv() {
                    // Latest wins: skip to the newest pending request ...
                    while let Ok(newer) = req_rx.try_recv() {
                        req = newer;
                    }
                    let mut result = compute(&req);
                    // ... and never block on a full result queue: drop the oldest result.
                    while let Err(e) = res_tx.try_send(result) {
                        match e {
                            TrySendError::Full(r) => {
                                let _ = oldest.try_recv();
                                result = r;
                            }
                            TrySendError::Disconnected(_) => return,
                        }
                    }
                    wake();
                }
            })
            .ok();
        FieldWorker {
            requests: req_tx,
            results: res_rx,
            thread,
        }
    }

    pub fn request(&self, req: FieldRequest) {
        let _ = self.requests.try_send(req);
    }

    /// The newest finished result, if any.
    pub fn latest(&self) -> Option<FieldResult> {
        self.results.try_iter().last()
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
