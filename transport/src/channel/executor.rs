//! One task per connection: hyper's client runs its parts inside it.
//!
//! hyper's HTTP/2 client spawns through an executor: the connection's I/O
//! task once, and for every request a task that waits for the response
//! and, when the body is not sent at once, one that sends it. On a
//! multi-threaded runtime each spawn is a task hand-off, often to another
//! worker thread (a futex wake-up), and a call then hops between up to
//! four tasks. A local link answers in microseconds, so those hops are a
//! large share of a call.
//!
//! [`Spawner`] is the executor hyper is given: it queues what hyper spawns
//! for the connection's own task, [`Driver`], which polls the dispatcher
//! and everything queued side by side. A call then crosses two tasks only,
//! the caller's and its connection's.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::task::AtomicWaker;

type Spawned = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What hyper spawned and the driver has not taken yet.
#[derive(Default)]
struct Queue {
    spawned: Mutex<Vec<Spawned>>,
    driver: AtomicWaker,
}

/// The executor given to hyper's client: queues futures for the
/// connection's [`Driver`].
#[derive(Clone, Default)]
pub(crate) struct Spawner {
    queue: Arc<Queue>,
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
        let mut spawned = self.queue.spawned.lock().unwrap_or_else(|e| e.into_inner());
        spawned.push(Box::pin(future));
        drop(spawned);
        self.queue.driver.wake();
    }
}

/// Runs a client connection's dispatcher and everything hyper spawned for
/// it, in one task. Done when the dispatcher is done and nothing it
/// spawned is left (those end soon after: their streams fail with the
/// connection).
pub(crate) struct Driver<C> {
    /// The server's address, for the log.
    address: String,
    dispatcher: Option<Pin<Box<C>>>,
    queue: Arc<Queue>,
    running: FuturesUnordered<Spawned>,
}

impl<C> Driver<C> {
    /// Drives `dispatcher` (hyper's `Connection` to `address`) and what
    /// `spawner` got.
    pub(crate) fn new(address: &crate::Address, dispatcher: C, spawner: &Spawner) -> Driver<C> {
        Driver {
            address: address.to_string(),
            dispatcher: Some(Box::pin(dispatcher)),
            queue: spawner.queue.clone(),
            running: FuturesUnordered::new(),
        }
    }

    /// Moves what was spawned since the last poll into `running`.
    fn take_spawned(&mut self) -> bool {
        let mut spawned = self.queue.spawned.lock().unwrap_or_else(|e| e.into_inner());
        let any = !spawned.is_empty();
        self.running.extend(spawned.drain(..));
        any
    }
}

impl<C, E> Future for Driver<C>
where
    C: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        this.queue.driver.register(cx.waker());
        loop {
            if let Some(dispatcher) = &mut this.dispatcher
                && let Poll::Ready(ended) = dispatcher.as_mut().poll(cx)
            {
                if let Err(error) = ended {
                    tracing::debug!(address = %this.address, %error, "connection ended");
                }
                this.dispatcher = None;
            }
            // Polling what runs may spawn more (a response future spawns
            // its body's sender), so go round until nothing new came.
            this.take_spawned();
            while let Poll::Ready(Some(())) = this.running.poll_next_unpin(cx) {}
            if !this.take_spawned() {
                break;
            }
        }
        if this.dispatcher.is_none() && this.running.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}
