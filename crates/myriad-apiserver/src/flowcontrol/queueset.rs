//! The fair queuing of one priority level (upstream's queueset, simplified): a request
//! takes seats while it runs; when the level's seats are all taken it waits in one of
//! the level's queues, chosen by shuffle sharding its flow over `hand_size` of them
//! (the one with the least waiting work), and queues are served in order of virtual
//! finish time, so one busy flow cannot starve the others. A request is refused only
//! when every seat is taken and its queue is full, or when it waited too long.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::oneshot;

/// Why a request was refused (upstream's `reason` label values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Every seat is taken and the chosen queue is full.
    QueueFull,
    /// A level that does not queue is at its limit.
    ConcurrencyLimit,
    /// Queued for longer than the wait limit.
    TimeOut,
}

impl Rejection {
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::QueueFull => "queue-full",
            Rejection::ConcurrencyLimit => "concurrency-limit",
            Rejection::TimeOut => "time-out",
        }
    }
}

/// How a level queues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Queuing {
    pub queues: usize,
    pub hand_size: usize,
    pub queue_length_limit: usize,
}

struct Waiter {
    id: u64,
    seats: usize,
    dispatched: oneshot::Sender<()>,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Waiter>,
    /// Virtual time at which the queue's next request would start.
    next_start: f64,
}

impl Queue {
    fn waiting_seats(&self) -> usize {
        self.waiting.iter().map(|w| w.seats).sum()
    }
}

struct Inner {
    limit: usize,
    in_use: usize,
    queues: Vec<Queue>,
    /// Virtual time of the last dispatch: a queue that becomes busy starts here, so
    /// idleness banks no credit.
    now: f64,
    enqueues: usize,
    next_id: u64,
}

/// One priority level's seats and queues.
pub struct QueueSet {
    queuing: Option<Queuing>,
    inner: Mutex<Inner>,
}

/// Seats held by a running request; dropping it frees them for waiting requests.
pub struct Seats {
    set: Arc<QueueSet>,
    seats: usize,
}

impl Drop for Seats {
    fn drop(&mut self) {
        let mut inner = self.set.inner.lock();
        inner.in_use = inner.in_use.saturating_sub(self.seats);
        dispatch(&mut inner);
    }
}

impl QueueSet {
    /// A level with `limit` seats; `queuing` None refuses at the limit instead of
    /// queuing.
    pub fn new(limit: usize, queuing: Option<Queuing>) -> Arc<Self> {
        let queues = queuing.map_or(0, |q| q.queues.max(1));
        Arc::new(QueueSet {
            queuing,
            inner: Mutex::new(Inner {
                limit,
                in_use: 0,
                queues: (0..queues).map(|_| Queue::default()).collect(),
                now: 0.0,
                enqueues: 0,
                next_id: 0,
            }),
        })
    }

    /// Seats in use and requests waiting now.
    pub fn load(&self) -> (usize, usize) {
        let inner = self.inner.lock();
        (inner.in_use, inner.queues.iter().map(|q| q.waiting.len()).sum())
    }

    /// Takes `seats` for a request of flow `flow`, waiting up to `wait` for them.
    pub async fn acquire(self: &Arc<Self>, flow: u64, seats: usize, wait: Duration) -> Result<Seats, Rejection> {
        let seats = seats.max(1);
        let (id, dispatched) = {
            let mut inner = self.inner.lock();
            let fits = |inner: &Inner| inner.in_use + seats <= inner.limit || inner.in_use == 0;
            let Some(queuing) = self.queuing else {
                if !fits(&inner) {
                    return Err(Rejection::ConcurrencyLimit);
                }
                inner.in_use += seats;
                return Ok(self.held(seats));
            };
            let chosen = choose_queue(&inner, flow, queuing);
            if inner.in_use >= inner.limit && inner.queues[chosen].waiting.len() >= queuing.queue_length_limit {
                return Err(Rejection::QueueFull);
            }
            let (tx, rx) = oneshot::channel();
            let id = inner.next_id;
            inner.next_id += 1;
            inner.enqueues += 1;
            let now = inner.now;
            let queue = &mut inner.queues[chosen];
            if queue.waiting.is_empty() {
                queue.next_start = queue.next_start.max(now);
            }
            queue.waiting.push_back(Waiter {
                id,
                seats,
                dispatched: tx,
            });
            dispatch(&mut inner);
            (id, rx)
        };
        match tokio::time::timeout(wait, dispatched).await {
            Ok(Ok(())) => Ok(self.held(seats)),
            Ok(Err(_)) => Err(Rejection::TimeOut),
            Err(_) => {
                let mut inner = self.inner.lock();
                for queue in &mut inner.queues {
                    if let Some(at) = queue.waiting.iter().position(|w| w.id == id) {
                        queue.waiting.remove(at);
                        return Err(Rejection::TimeOut);
                    }
                }
                // Dispatched just as the wait ran out: the seats are ours.
                Ok(self.held(seats))
            }
        }
    }

    fn held(self: &Arc<Self>, seats: usize) -> Seats {
        Seats {
            set: self.clone(),
            seats,
        }
    }
}

/// Shuffle sharding: deals `hand_size` distinct queues from the flow's hash and picks
/// the one with the least waiting work (the first such, starting at a rotating offset).
fn choose_queue(inner: &Inner, flow: u64, queuing: Queuing) -> usize {
    let hand = deal(inner.queues.len(), queuing.hand_size, flow);
    let hand_size = hand.len();
    let offset = inner.enqueues % hand_size;
    (0..hand_size)
        .map(|i| hand[(offset + i) % hand_size])
        .min_by_key(|q| inner.queues[*q].waiting_seats())
        .unwrap_or(0)
}

/// The flow's hand: `hand_size` distinct queues of `deck`, drawn from the flow's hash
/// (shuffle sharding, as upstream's dealer).
fn deal(deck: usize, hand_size: usize, mut hash: u64) -> Vec<usize> {
    let hand_size = hand_size.clamp(1, deck.max(1));
    let mut hand: Vec<usize> = Vec::with_capacity(hand_size);
    for i in 0..hand_size {
        let remaining = (deck - i) as u64;
        let mut card = (hash % remaining) as usize;
        hash /= remaining;
        // Skip the cards already dealt, keeping them distinct.
        let mut dealt = hand.clone();
        dealt.sort_unstable();
        for taken in dealt {
            if card >= taken {
                card += 1;
            }
        }
        hand.push(card);
    }
    hand
}

/// Starts waiting requests while seats are free: the queue whose head would finish
/// first in virtual time goes next; a head that does not fit blocks (as upstream).
fn dispatch(inner: &mut Inner) {
    while inner.in_use < inner.limit {
        let next = inner
            .queues
            .iter()
            .enumerate()
            .filter_map(|(i, q)| q.waiting.front().map(|head| (i, q.next_start + head.seats as f64)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let Some((index, _)) = next else { return };
        let seats = inner.queues[index].waiting.front().map_or(1, |w| w.seats);
        if inner.in_use + seats > inner.limit && inner.in_use > 0 {
            return;
        }
        let Some(waiter) = inner.queues[index].waiting.pop_front() else {
            return;
        };
        let queue = &mut inner.queues[index];
        inner.now = inner.now.max(queue.next_start);
        queue.next_start += seats as f64;
        // A waiter whose client left frees its seats at once.
        if waiter.dispatched.send(()).is_ok() {
            inner.in_use += seats;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUEUING: Queuing = Queuing {
        queues: 8,
        hand_size: 2,
        queue_length_limit: 2,
    };
    const WAIT: Duration = Duration::from_secs(5);

    #[test]
    fn hands_are_distinct_queues() {
        for (deck, hand_size) in [(8, 2), (64, 8), (5, 5), (128, 6)] {
            let mut dealt_at_all = vec![false; deck];
            for flow in 0..2000u64 {
                let hand = deal(deck, hand_size, flow.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                assert_eq!(hand.len(), hand_size);
                let mut sorted = hand.clone();
                sorted.sort_unstable();
                sorted.dedup();
                assert_eq!(sorted.len(), hand_size, "a queue dealt twice: {hand:?}");
                assert!(hand.iter().all(|q| *q < deck), "{hand:?}");
                for q in hand {
                    dealt_at_all[q] = true;
                }
            }
            assert!(dealt_at_all.iter().all(|d| *d), "some queue of {deck} is never dealt");
        }
        // The queue a request joins is one of its flow's hand.
        let set = QueueSet::new(1, Some(QUEUING));
        let inner = set.inner.lock();
        let hand = deal(QUEUING.queues, QUEUING.hand_size, 42);
        assert!(hand.contains(&choose_queue(&inner, 42, QUEUING)));
    }

    #[tokio::test]
    async fn a_level_without_queues_refuses_at_its_limit() {
        let set = QueueSet::new(2, None);
        let a = set.acquire(1, 1, WAIT).await.unwrap();
        let _b = set.acquire(2, 1, WAIT).await.unwrap();
        assert_eq!(set.acquire(3, 1, WAIT).await.err(), Some(Rejection::ConcurrencyLimit));
        drop(a);
        assert!(set.acquire(3, 1, WAIT).await.is_ok());
    }

    #[tokio::test]
    async fn waiting_requests_run_when_seats_free_and_full_queues_refuse() {
        let set = QueueSet::new(1, Some(QUEUING));
        let running = set.acquire(7, 1, WAIT).await.unwrap();
        // The flow's hand holds two queues of two: four may wait, the fifth is refused.
        let mut waiting = Vec::new();
        for _ in 0..4 {
            let set = set.clone();
            waiting.push(tokio::spawn(async move { set.acquire(7, 1, WAIT).await.map(drop) }));
        }
        while set.load().1 < 4 {
            tokio::task::yield_now().await;
        }
        assert_eq!(set.acquire(7, 1, WAIT).await.err(), Some(Rejection::QueueFull));
        drop(running);
        for task in waiting {
            assert!(task.await.unwrap().is_ok());
        }
        assert_eq!(set.load(), (0, 0));
    }

    #[tokio::test]
    async fn a_request_that_waits_too_long_is_refused_and_leaves_its_queue() {
        let set = QueueSet::new(1, Some(QUEUING));
        let _running = set.acquire(1, 1, WAIT).await.unwrap();
        let refused = set.acquire(1, 1, Duration::from_millis(20)).await;
        assert_eq!(refused.err(), Some(Rejection::TimeOut));
        assert_eq!(set.load(), (1, 0));
    }

    #[tokio::test]
    async fn a_quiet_flow_is_served_before_a_busy_one() {
        let set = QueueSet::new(
            1,
            Some(Queuing {
                queues: 64,
                hand_size: 1,
                queue_length_limit: 100,
            }),
        );
        let running = set.acquire(0, 1, WAIT).await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        // Flow 1 queues ten requests, then flow 2 one: flow 2 runs second, not last.
        for (flow, label) in std::iter::repeat_n((1u64, "busy"), 10).chain([(2u64, "quiet")]) {
            let (shared, order) = (set.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let seats = shared.acquire(flow, 1, WAIT).await.unwrap();
                order.lock().push(label);
                tokio::task::yield_now().await;
                drop(seats);
            }));
            while set.load().1 < tasks.len() {
                tokio::task::yield_now().await;
            }
        }
        drop(running);
        for task in tasks {
            task.await.unwrap();
        }
        let order = order.lock();
        let quiet = order.iter().position(|l| *l == "quiet").unwrap();
        assert!(quiet <= 1, "the quiet flow ran {quiet}th: {order:?}");
    }
}
