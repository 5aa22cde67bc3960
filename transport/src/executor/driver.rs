//! The connection's task: its dispatcher and what hyper spawned for it.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::{Shared, Spawned, Spawner};

/// How many times a poll goes round for wake-ups of its own before it
/// yields to the connection's neighbours on the thread.
const ROUNDS: usize = 16;

/// A spawned future whose panic ends it alone, as a panic in a task of its
/// own would: a handler that panics fails its own call (hyper resets the
/// stream), not every call on its connection.
struct Isolated(Spawned);

impl Future for Isolated {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let future = self.0.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(polled) => polled,
            Err(_) => {
                tracing::error!("a call's task panicked; its stream is reset");
                Poll::Ready(())
            }
        }
    }
}

/// Runs a connection (hyper's client dispatcher, or a server connection)
/// and everything hyper spawned for it, in one task. Done when the
/// connection is done and nothing it spawned is left (those end soon
/// after: their streams fail with the connection).
pub(crate) struct Driver<C, P> {
    /// The other end, for the log.
    peer: P,
    dispatcher: Option<Pin<Box<C>>>,
    shared: Arc<Shared>,
    /// The waker the parts get: `shared`'s.
    waker: Waker,
    running: FuturesUnordered<Isolated>,
    /// Time each poll and warn of a slow one ([`super::slow`]).
    watched: bool,
}

impl<C, P> Driver<C, P> {
    /// Drives `dispatcher` (a connection with `peer`) and what `spawner`
    /// got.
    pub(crate) fn new(peer: P, dispatcher: C, spawner: &Spawner) -> Driver<C, P> {
        Driver {
            peer,
            dispatcher: Some(Box::pin(dispatcher)),
            shared: spawner.shared.clone(),
            waker: Waker::from(spawner.shared.clone()),
            running: FuturesUnordered::new(),
            watched: false,
        }
    }

    /// The size of the future it drives: what every connection's task
    /// keeps on the heap for its whole life.
    #[cfg(test)]
    pub(crate) fn dispatcher_size(&self) -> usize {
        self.dispatcher
            .as_ref()
            .map_or(0, |dispatcher| std::mem::size_of_val(&**dispatcher))
    }

    /// Warns when one of its polls holds the thread for long
    /// ([`super::slow`]): a server's connection, whose parts run the
    /// application's handlers.
    pub(crate) fn watched(mut self) -> Driver<C, P> {
        self.watched = true;
        self
    }
}

impl<C, E, P> Driver<C, P>
where
    C: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
    P: std::fmt::Debug,
{
    /// Polls the dispatcher, then everything spawned, once each.
    fn poll_parts(&mut self) {
        let mut cx = Context::from_waker(&self.waker);
        if let Some(dispatcher) = &mut self.dispatcher
            && let Poll::Ready(ended) = dispatcher.as_mut().poll(&mut cx)
        {
            if let Err(error) = ended {
                tracing::debug!(peer = ?self.peer, %error, "connection ended");
            }
            self.dispatcher = None;
        }
        let spawned = std::mem::take(
            &mut *self
                .shared
                .spawned
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        self.running.extend(spawned.into_iter().map(Isolated));
        while let Poll::Ready(Some(())) = self.running.poll_next_unpin(&mut cx) {}
    }
}

impl<C, E, P> Future for Driver<C, P>
where
    C: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
    P: std::fmt::Debug + Unpin,
{
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let start = this.watched.then(Instant::now);
        let polled = this.poll_rounds(cx);
        if let Some(start) = start {
            super::slow::check(start, "a call on this connection", Some(&this.peer));
        }
        polled
    }
}

impl<C, E, P> Driver<C, P>
where
    C: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
    P: std::fmt::Debug + Unpin,
{
    /// Polls the parts until none was woken meanwhile, or `ROUNDS` times.
    fn poll_rounds(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.shared.task.register(cx.waker());
        self.shared.polling.store(true, Ordering::SeqCst);
        let mut rounds = 0;
        loop {
            self.shared.woken.store(false, Ordering::SeqCst);
            self.poll_parts();
            if self.dispatcher.is_none() && self.running.is_empty() {
                self.shared.polling.store(false, Ordering::SeqCst);
                return Poll::Ready(());
            }
            rounds += 1;
            if !self.shared.woken.load(Ordering::SeqCst) {
                self.shared.polling.store(false, Ordering::SeqCst);
                // A wake between the last look and now found `polling`
                // still set, and woke nobody.
                if !self.shared.woken.load(Ordering::SeqCst) {
                    return Poll::Pending;
                }
                self.shared.polling.store(true, Ordering::SeqCst);
            }
            if rounds == ROUNDS {
                self.shared.polling.store(false, Ordering::SeqCst);
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use hyper::rt::Executor;
    use tokio::sync::oneshot;

    use super::*;

    /// The task id of whatever runs `task_id()` inside `spawner`'s work.
    async fn task_of_spawned(spawner: Spawner, driven: bool) -> (tokio::task::Id, tokio::task::Id) {
        let (sent, received) = oneshot::channel();
        let work = {
            let spawner = spawner.clone();
            async move {
                spawner.execute(async move {
                    let _ = sent.send(tokio::task::id());
                });
                let spawned = received.await.expect("the spawned future ran");
                Ok::<_, std::convert::Infallible>((tokio::task::id(), spawned))
            }
        };
        let (result, done) = oneshot::channel();
        let dispatcher = async move {
            let ids = work.await?;
            let _ = result.send(ids);
            Ok::<_, std::convert::Infallible>(())
        };
        if driven {
            tokio::spawn(Driver::new("test", dispatcher, &spawner));
        } else {
            tokio::spawn(dispatcher);
        }
        done.await.expect("the dispatcher finished")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn what_hyper_spawns_runs_in_the_connections_task() {
        let (connection, spawned) = task_of_spawned(Spawner::default(), true).await;
        assert_eq!(connection, spawned);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_spawning_spawner_gives_each_a_task_of_its_own() {
        let (connection, spawned) = task_of_spawned(Spawner::spawning(), false).await;
        assert_ne!(connection, spawned);
    }

    /// Pending `left` times, waking itself each time, then done.
    struct WakesItself {
        left: usize,
    }

    impl Future for WakesItself {
        type Output = Result<(), std::convert::Infallible>;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            if self.left == 0 {
                return Poll::Ready(Ok(()));
            }
            self.left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    #[tokio::test]
    async fn wake_ups_from_inside_are_handled_in_the_same_poll() {
        let polls = AtomicUsize::new(0);
        let mut driver = Box::pin(Driver::new(
            "test",
            WakesItself { left: 5 },
            &Spawner::default(),
        ));
        std::future::poll_fn(|cx| {
            polls.fetch_add(1, Ordering::Relaxed);
            driver.as_mut().poll(cx)
        })
        .await;
        assert_eq!(
            polls.load(Ordering::Relaxed),
            1,
            "the task was not rescheduled"
        );

        // Past `ROUNDS` it yields to the thread's other tasks, and is back.
        let polls = AtomicUsize::new(0);
        let mut driver = Box::pin(Driver::new(
            "test",
            WakesItself { left: ROUNDS + 1 },
            &Spawner::default(),
        ));
        std::future::poll_fn(|cx| {
            polls.fetch_add(1, Ordering::Relaxed);
            driver.as_mut().poll(cx)
        })
        .await;
        assert_eq!(polls.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn a_panic_ends_only_the_future_that_panicked() {
        let spawner = Spawner::default();
        let (sent, received) = oneshot::channel();
        let work = {
            let spawner = spawner.clone();
            async move {
                spawner.execute(async { panic!("a handler's bug") });
                spawner.execute(async move {
                    tokio::task::yield_now().await;
                    let _ = sent.send("still served");
                });
                received.await.map_err(|_| "the second future was lost")
            }
        };
        let (result, done) = oneshot::channel();
        let dispatcher = async move {
            let _ = result.send(work.await);
            Ok::<_, std::convert::Infallible>(())
        };
        Driver::new("test", dispatcher, &spawner).await;
        assert_eq!(done.await.unwrap(), Ok("still served"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_wake_up_from_another_thread_is_not_lost() {
        for _ in 0..200 {
            let (sent, received) = oneshot::channel::<()>();
            let waiting = async move { received.await.map_err(|_| "dropped") };
            let driver = tokio::spawn(Driver::new("test", waiting, &Spawner::default()));
            std::thread::spawn(move || sent.send(()));
            tokio::time::timeout(std::time::Duration::from_secs(10), driver)
                .await
                .expect("the driver was woken")
                .expect("the driver did not panic");
        }
    }
}
