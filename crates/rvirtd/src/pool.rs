//! Bounded pools of worker threads for driver calls. Driver methods block (file I/O, QEMU
//! monitors), so they run here, never on the async runtime: a slow call occupies one worker
//! while other clients keep being served by the rest.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// A unit of work.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed number of threads taking jobs from one queue.
pub struct WorkerPool {
    name: String,
    sender: Mutex<Option<Sender<Job>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerPool")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl WorkerPool {
    /// Starts `size` threads (at least one) named after `name`.
    pub fn new(name: &str, size: usize) -> std::io::Result<WorkerPool> {
        let (sender, receiver) = channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let mut threads = Vec::new();
        for index in 0..size.max(1) {
            let receiver = receiver.clone();
            let handle = std::thread::Builder::new()
                .name(format!("{name}-{index}"))
                .spawn(move || worker_loop(&receiver))?;
            threads.push(handle);
        }
        Ok(WorkerPool {
            name: name.to_string(),
            sender: Mutex::new(Some(sender)),
            threads: Mutex::new(threads),
        })
    }

    /// Queues a job; `false` when the pool has been shut down.
    pub fn submit(&self, job: Job) -> bool {
        let guard = self.sender.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(sender) => sender.send(job).is_ok(),
            None => false,
        }
    }

    /// Stops taking jobs and waits for the running ones to finish.
    pub fn shutdown(&self) {
        self.sender.lock().unwrap_or_else(|p| p.into_inner()).take();
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|p| p.into_inner()));
        for t in threads {
            let _ = t.join();
        }
    }
}

fn worker_loop(receiver: &Mutex<Receiver<Job>>) {
    loop {
        let job = {
            let guard = receiver.lock().unwrap_or_else(|p| p.into_inner());
            guard.recv()
        };
        match job {
            Ok(job) => {
                // A panicking driver call must not take the worker down with it.
                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                    tracing::error!("a driver call panicked");
                }
            }
            Err(_) => break,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn slow_job_does_not_block_others() {
        let pool = WorkerPool::new("t", 2).unwrap();
        let done = Arc::new(AtomicUsize::new(0));
        pool.submit(Box::new(|| std::thread::sleep(Duration::from_millis(500))));
        let d = done.clone();
        pool.submit(Box::new(move || {
            d.fetch_add(1, Ordering::SeqCst);
        }));
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(done.load(Ordering::SeqCst), 1);
        pool.shutdown();
        assert!(!pool.submit(Box::new(|| {})));
    }
}
