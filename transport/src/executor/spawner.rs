//! The executor hyper is given.

use std::future::Future;
use std::sync::Arc;
use std::task::Wake;
use std::time::Instant;

use super::Shared;

/// The executor given to hyper: queues futures for the connection's
/// [`Driver`](super::Driver), or, made with [`Spawner::spawning`], spawns each on the
/// runtime as tokio's own executor does.
#[derive(Clone, Default)]
pub(crate) struct Spawner {
    pub(super) shared: Arc<Shared>,
    spawn: bool,
}

impl Spawner {
    /// A spawner that runs what hyper spawns in tasks of their own: the
    /// streams of a connection then run in parallel, on any worker.
    pub(crate) fn spawning() -> Spawner {
        Spawner {
            shared: Arc::default(),
            spawn: true,
        }
    }
}

impl std::fmt::Debug for Spawner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spawner").finish_non_exhaustive()
    }
}

impl<F> hyper::rt::Executor<F> for Spawner
where
    F: Future<Output = ()> + Send + 'static,
{
    fn execute(&self, future: F) {
        if self.spawn {
            // A call's task of its own: watched as a connection's is
            // (`slow`).
            tokio::spawn(async move {
                let mut future = std::pin::pin!(future);
                std::future::poll_fn(|cx| {
                    let start = Instant::now();
                    let polled = future.as_mut().poll(cx);
                    super::slow::check(start, "a call in a task of its own", None);
                    polled
                })
                .await;
            });
            return;
        }
        let mut spawned = self
            .shared
            .spawned
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        spawned.push(Box::pin(future));
        drop(spawned);
        self.shared.wake_by_ref();
    }
}
