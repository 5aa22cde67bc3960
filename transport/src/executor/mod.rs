//! One task per HTTP/2 connection: hyper runs its parts inside it.
//!
//! hyper spawns through an executor. Its client spawns the connection's I/O
//! task once, and for every request a task awaiting the response (plus one
//! sending the body when it is not sent at once); its server spawns a task
//! for every stream. On a multi-threaded runtime each spawn is a task
//! hand-off, often to another worker thread (a futex wake-up), so a unary
//! call hops between several tasks on each end. A local link answers in
//! microseconds, which makes those hops a large share of a call.
//!
//! [`Spawner`] is the executor piperpc gives hyper, on both ends: it queues
//! what hyper spawns for the connection's own task, [`Driver`], which polls
//! the connection and everything queued side by side. A connection and its
//! streams then stay on one thread, and a call crosses two tasks, the
//! caller's and its connection's. Connections still spread over the
//! runtime's workers.
//!
//! The connection's parts wake each other all the time (a stream's
//! response wakes the connection, a frame read wakes a stream). Waking a
//! tokio task from inside its own poll makes tokio treat it as a yield: it
//! goes to the back of the queue and an idle worker is woken (a futex) to
//! steal it. So the driver hands its parts a waker of its own, and a wake
//! that comes while it is polling them only makes it go round once more.
//!
//! The cost: the streams of one connection share its task, so a handler
//! that blocks its thread (CPU-heavy work, blocking I/O) holds up the
//! other calls on that connection, not just a worker. Such work belongs in
//! `tokio::task::spawn_blocking` in any tokio server: measured, a task of
//! its own per call (`Server::spawn_calls`) does not spare the neighbours
//! of a handler that computes without awaiting, since tokio's idle workers
//! sleep until woken and the busy one is the one that would have read the
//! sockets. The server warns of such a handler (`slow.rs`).
//!
//! Layout: `spawner.rs` (what hyper is given), `driver.rs` (the
//! connection's task), `gather.rs` (a client stream whose writes wait a
//! round of the driver, so a request's frames go out in one write),
//! `slow.rs` (the warning of a poll that held its thread).

mod driver;
mod gather;
mod slow;
mod spawner;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Wake;

use futures_util::task::AtomicWaker;

pub(crate) use driver::Driver;
pub(crate) use gather::Gathering;
pub(crate) use spawner::Spawner;

type Spawned = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What a connection's spawner and driver share.
#[derive(Default)]
struct Shared {
    /// What hyper spawned and the driver has not taken yet.
    spawned: Mutex<Vec<Spawned>>,
    /// The driver is polling its parts.
    polling: AtomicBool,
    /// A part was woken (or something spawned) since the driver last
    /// looked.
    woken: AtomicBool,
    /// The driver's task, woken when a part is woken from elsewhere.
    task: AtomicWaker,
}

impl Wake for Shared {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        if !self.polling.load(Ordering::SeqCst) {
            self.task.wake();
        }
    }
}
