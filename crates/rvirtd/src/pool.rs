//! Bounded pools of worker threads for driver calls. Driver methods block (file I/O, QEMU
//! monitors), so they run here, never on the async runtime: a slow call occupies one worker
//! while other clients keep being served by the rest.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// A unit of work.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// The jobs waiting for a worker, and whether the pool still takes new ones.
struct Queue {
    jobs: VecDeque<Job>,
    open: bool,
}

/// The queue and the condition idle workers wait on. A condition variable wakes exactly one
/// idle worker per job; a channel receiver shared behind a mutex woke one waiter for the
/// message and then another for the mutex, two context switches per call.
struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A fixed number of threads taking jobs from one queue.
pub struct WorkerPool {
    name: String,
    shared: Arc<Shared>,
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
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                jobs: VecDeque::new(),
                open: true,
            }),
            ready: Condvar::new(),
        });
        let mut threads = Vec::new();
        for index in 0..size.max(1) {
            let shared = shared.clone();
            let handle = std::thread::Builder::new()
                .name(format!("{name}-{index}"))
                .spawn(move || worker_loop(&shared))?;
            threads.push(handle);
        }
        Ok(WorkerPool {
            name: name.to_string(),
            shared,
            threads: Mutex::new(threads),
        })
    }

    /// Queues a job; `false` when the pool has been shut down.
    pub fn submit(&self, job: Job) -> bool {
        {
            let mut queue = self.shared.lock();
            if !queue.open {
                return false;
            }
            queue.jobs.push_back(job);
        }
        self.shared.ready.notify_one();
        true
    }

    /// Stops taking jobs and waits for the queued and running ones to finish.
    pub fn shutdown(&self) {
        self.shared.lock().open = false;
        self.shared.ready.notify_all();
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|p| p.into_inner()));
        for t in threads {
            let _ = t.join();
        }
    }
}

fn worker_loop(shared: &Shared) {
    loop {
        let job = {
            let mut queue = shared.lock();
            loop {
                if let Some(job) = queue.jobs.pop_front() {
                    break job;
                }
                if !queue.open {
                    return;
                }
                queue = shared.ready.wait(queue).unwrap_or_else(|p| p.into_inner());
            }
        };
        // A panicking driver call must not take the worker down with it.
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
            tracing::error!("a driver call panicked");
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
