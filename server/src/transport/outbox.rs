//! The server's way out: framed messages queued for the single writer task.
//!
//! The queue is bounded by what is put into it, not by a count: the
//! transport stops reading requests while more than [`READ_LIMIT`] bytes
//! wait for the client (see `serve`), the publisher waits below
//! [`PUBLISH_LIMIT`] before each round, and a notification queued with
//! [`Outbox::notify_latest`] (the publisher's diagnostics, keyed by their
//! document) replaces one with the same key still waiting, in place: the
//! client would only overwrite the older one, and an editor that stops
//! reading while the user types would otherwise collect a publication per
//! keystroke. Nothing else is ever dropped or reordered: every response is
//! written, in the order it was queued.
//!
//! Cost: queueing is O(1) (one hash lookup for a keyed notification); the writer
//! takes up to [`BATCH`] bytes per write under a lock held only to move
//! them.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::Notify;

/// Bytes queued for the client above which the transport reads no more
/// requests until the client has caught up. A few large answers (a long
/// exercise list is tens of kilobytes) fit; a client that stops reading
/// holds the server's queue to about this plus what is in flight.
pub const READ_LIMIT: usize = 4 << 20;
/// Bytes queued above which the publisher waits before its next round;
/// diagnostics computed later are current, so there is no point queueing
/// many of them.
pub const PUBLISH_LIMIT: usize = 1 << 20;
/// Most bytes the writer gathers into one write.
const BATCH: usize = 1 << 20;

/// One message waiting to be written.
struct Item {
    bytes: Vec<u8>,
    /// The key of a notification that a newer one replaces.
    key: Option<String>,
}

#[derive(Default)]
struct Queue {
    items: VecDeque<Item>,
    /// Sequence number of `items[0]`: an item's number never changes.
    front: u64,
    /// Where each key's queued notification sits (its number).
    latest: HashMap<String, u64>,
    /// No more messages will come: write what is queued and stop.
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Bytes queued or being written.
    pending: AtomicUsize,
    /// Wakes the writer (one permit is stored if it is not waiting yet).
    ready: Notify,
    /// Wakes whoever waits for the queue to shrink.
    drained: Notify,
    /// The client went away: writes fail, so nothing is queued any more.
    gone: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Nothing panics under this lock; if something did, the queue
        // itself is still consistent.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The handle every part of the server queues its messages with.
#[derive(Clone)]
pub struct Outbox {
    shared: Arc<Shared>,
}

/// The writer's end of an [`Outbox`], given to [`spawn_writer`].
pub struct Queued {
    shared: Arc<Shared>,
}

impl Outbox {
    /// A new outbox and the receiving end to give to `serve`.
    pub fn new() -> (Outbox, Queued) {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            pending: AtomicUsize::new(0),
            ready: Notify::new(),
            drained: Notify::new(),
            gone: AtomicBool::new(false),
        });
        (
            Outbox {
                shared: shared.clone(),
            },
            Queued { shared },
        )
    }

    /// Bytes queued for the client and not yet written.
    pub fn pending(&self) -> usize {
        self.shared.pending.load(Ordering::Acquire)
    }

    /// Waits until at most `limit` bytes are queued for the client (or the
    /// client is gone).
    pub async fn wait_below(&self, limit: usize) {
        loop {
            let drained = self.shared.drained.notified();
            if self.pending() <= limit || self.shared.gone.load(Ordering::Acquire) {
                return;
            }
            // Bounded wait: a notification between the check and here is
            // caught by the next check.
            let _ = tokio::time::timeout(Duration::from_millis(50), drained).await;
        }
    }

    /// Queues a notification, serialized once.
    pub fn notify<P: serde::Serialize>(&self, method: &str, params: &P) {
        self.send(super::frame(&notification(method, params)));
    }

    /// Queues a notification that replaces one queued with the same `key`
    /// and still waiting to be written (where that one stood).
    pub fn notify_latest<P: serde::Serialize>(&self, method: &str, key: &str, params: &P) {
        let bytes = super::frame(&notification(method, params));
        self.push(bytes, Some(key.to_string()));
    }

    /// Like [`Outbox::notify_latest`], for params that are already JSON
    /// (the publisher's diagnostics, see `crate::diagnostics_json`): they
    /// are copied in as they are, not parsed or serialized again, once.
    /// `params`, one part after the other, must be one valid JSON value the
    /// server itself wrote.
    pub fn notify_json_latest(&self, method: &str, key: &str, params: &[&[u8]]) {
        let method = serde_json::to_vec(method).unwrap_or_else(|_| b"\"\"".to_vec());
        let mut head = Vec::with_capacity(method.len() + 40);
        head.extend_from_slice(br#"{"jsonrpc":"2.0","method":"#);
        head.extend_from_slice(&method);
        head.extend_from_slice(br#","params":"#);
        let mut parts = Vec::with_capacity(params.len() + 2);
        parts.push(&head[..]);
        parts.extend_from_slice(params);
        parts.push(b"}");
        self.push(super::framer::frame_parts(&parts), Some(key.to_string()));
    }

    /// Queues framed bytes.
    pub(super) fn send(&self, bytes: Vec<u8>) {
        self.push(bytes, None);
    }

    fn push(&self, bytes: Vec<u8>, key: Option<String>) {
        if bytes.is_empty() || self.shared.gone.load(Ordering::Acquire) {
            return;
        }
        let added = bytes.len();
        let mut queue = self.shared.lock();
        let queue = &mut *queue;
        let waiting = key.as_ref().and_then(|k| {
            let at = queue.latest.get(k)?.checked_sub(queue.front)?;
            usize::try_from(at).ok()
        });
        if let Some(item) = waiting.and_then(|at| queue.items.get_mut(at)) {
            let old = std::mem::replace(&mut item.bytes, bytes);
            self.shared.pending.fetch_add(added, Ordering::AcqRel);
            self.shared.pending.fetch_sub(old.len(), Ordering::AcqRel);
            return;
        }
        if let Some(key) = &key {
            let number = queue.front + queue.items.len() as u64;
            queue.latest.insert(key.clone(), number);
        }
        queue.items.push_back(Item { bytes, key });
        self.shared.pending.fetch_add(added, Ordering::AcqRel);
        self.shared.ready.notify_one();
    }

    /// Asks the writer to write what is queued and stop.
    pub(super) fn close(&self) {
        self.shared.lock().closed = true;
        self.shared.ready.notify_one();
    }
}

/// A JSON-RPC notification, borrowed for serialization.
fn notification<'a, P: serde::Serialize>(
    method: &'a str,
    params: &'a P,
) -> impl serde::Serialize + 'a {
    #[derive(serde::Serialize)]
    struct Notification<'a, P> {
        jsonrpc: &'static str,
        method: &'a str,
        params: &'a P,
    }
    Notification {
        jsonrpc: "2.0",
        method,
        params,
    }
}

/// Takes up to [`BATCH`] bytes of messages off the front of the queue; the
/// flag says the queue is closed and now empty.
fn take_batch(queue: &mut Queue) -> (Vec<u8>, bool) {
    let mut batch = Vec::new();
    while batch.len() < BATCH
        && let Some(item) = queue.items.pop_front()
    {
        let number = queue.front;
        queue.front += 1;
        if let Some(key) = item.key
            && queue.latest.get(&key) == Some(&number)
        {
            queue.latest.remove(&key);
        }
        if batch.is_empty() {
            batch = item.bytes;
        } else {
            batch.extend_from_slice(&item.bytes);
        }
    }
    let done = queue.closed && queue.items.is_empty();
    (batch, done)
}

/// Writes everything the server sends, in order, from one task.
pub fn spawn_writer<W: AsyncWrite + Unpin + Send + 'static>(
    mut output: W,
    queued: Queued,
) -> tokio::task::JoinHandle<()> {
    let shared = queued.shared;
    tokio::spawn(async move {
        loop {
            let (batch, done) = take_batch(&mut shared.lock());
            if batch.is_empty() {
                if done {
                    break;
                }
                shared.ready.notified().await;
                continue;
            }
            let written = output.write_all(&batch).await.is_ok() && output.flush().await.is_ok();
            shared.pending.fetch_sub(batch.len(), Ordering::AcqRel);
            if !written {
                // The client went away: nothing left to talk to.
                shared.gone.store(true, Ordering::Release);
                let mut queue = shared.lock();
                let dropped: usize = queue.items.drain(..).map(|i| i.bytes.len()).sum();
                queue.latest.clear();
                shared.pending.fetch_sub(dropped, Ordering::AcqRel);
            }
            shared.drained.notify_waiters();
            if !written || done {
                break;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(queue: &mut Queue) -> String {
        String::from_utf8(take_batch(queue).0).expect("utf-8")
    }

    #[test]
    fn a_waiting_publication_is_replaced_in_place_and_nothing_else_is() {
        let (out, queued) = Outbox::new();
        out.send(b"A".to_vec());
        out.push(b"d1".to_vec(), Some("file:///x".into()));
        out.send(b"B".to_vec());
        out.push(b"e1".to_vec(), Some("file:///y".into()));
        out.push(b"d2-newer".to_vec(), Some("file:///x".into()));
        out.send(b"C".to_vec());
        assert_eq!(
            out.pending(),
            "A".len() + "d2-newer".len() + "B".len() + "e1C".len()
        );
        let mut queue = queued.shared.lock();
        assert_eq!(text(&mut queue), "Ad2-newerBe1C");
        assert!(queue.latest.is_empty());
        // Once written, a new publication is queued again, not merged.
        drop(queue);
        out.push(b"d3".to_vec(), Some("file:///x".into()));
        out.push(b"d4".to_vec(), Some("file:///x".into()));
        assert_eq!(text(&mut queued.shared.lock()), "d4");
    }
}
