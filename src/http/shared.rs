//! Requests shared by the checks of one run (`all`): each distinct request goes out once,
//! and every check that asks for it judges the same answer, timings included, so `latency`
//! times the very request `events` judges and `jobs` reads the worker list `workers` read.
//!
//! A check asks as it would alone ([`Client::send`]); whether anyone else asked the same is
//! the exchange's business, so no check and not `all` need know which checks share what.
//! The first check to ask sends; one asking while that request is under way waits for the
//! same answer; a failure is shared like an answer, each check reporting it.

use super::{Client, Kind, Response};
use crate::error::Error;
use hyper::Method;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::OnceCell;
use tokio::time::Instant;

/// What makes two requests one: what is asked (method, URL, kind of request, with or
/// without the key) and how long its answer may take. The deadline is part of it so that a
/// check never fails on another check's shorter timeout: checks with different timeouts
/// each send their own. Within one run every client comes from one command line, so
/// network and trust settings are the same and need no place here.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RequestKey {
    method: Method,
    url: String,
    kind: Kind,
    keyed: bool,
    deadline: Instant,
}

type Answer = Result<Response, Error>;

/// The answers of one run, by request; give each client of the run a handle
/// ([`Client::with_exchange`]).
#[derive(Default)]
pub struct Exchange {
    answers: Mutex<HashMap<RequestKey, Arc<OnceCell<Answer>>>>,
}

impl Exchange {
    fn slot(&self, key: RequestKey) -> Arc<OnceCell<Answer>> {
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        answers.entry(key).or_default().clone()
    }
}

/// One client's part in an [`Exchange`]: the requests it has asked for already.
pub(super) struct Shared {
    exchange: Arc<Exchange>,
    asked: Mutex<HashSet<RequestKey>>,
}

impl Shared {
    pub(super) fn new(exchange: Arc<Exchange>) -> Self {
        Shared {
            exchange,
            asked: Mutex::new(HashSet::new()),
        }
    }

    /// The answer to this request: the one another check of the run got, or a fresh one.
    /// Only reads are shared (an action such as a restart always goes out), and a check
    /// asking again what it asked before gets a fresh answer: `heal` re-reads the workers
    /// after restarting them and must not judge the list from before.
    pub(super) async fn send(
        &self,
        client: &Client,
        method: Method,
        path: &str,
        kind: Kind,
    ) -> Answer {
        let key = RequestKey {
            method: method.clone(),
            url: client.base.url_of(path),
            kind,
            keyed: client.key.is_some(),
            deadline: client.deadline,
        };
        let first_ask = method == Method::GET
            && self
                .asked
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key.clone());
        if !first_ask {
            return client.send_now(method, path, kind).await;
        }
        let slot = self.exchange.slot(key);
        let sent_here = std::cell::Cell::new(false);
        let answer = slot
            .get_or_init(|| {
                sent_here.set(true);
                client.send_now(method.clone(), path, kind)
            })
            .await;
        if !sent_here.get() {
            let got = match answer {
                Ok(r) => format!("{} ({} bytes)", r.status, r.body.len()),
                Err(e) => format!("failed: {e}"),
            };
            let line = format!(
                "{method} {} -> the answer another check of this run got: {got}",
                client.base.url_of(path)
            );
            client
                .log
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line);
        }
        answer.clone()
    }
}
