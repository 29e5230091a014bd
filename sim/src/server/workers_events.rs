//! The simulator's worker restarts and events index, apart from the routing that calls them.

use super::{error_500_html, Conn, Reply, Req, HTML};
use crate::json::{Style, J};
use crate::{Encoding, WorkerMode};

pub(super) fn restart(conn: &Conn, all: bool, r: &Req, style: Style) -> Reply {
    let (rev, generation) = {
        let mut st = conn.shared.lock();
        match st.begin_restart(all) {
            Ok(rev) => (rev, st.generation),
            Err(()) => return Reply::new(500, HTML, error_500_html(r.path)),
        }
    };
    if let Some(rev) = rev {
        let shared = conn.shared.clone();
        let delay = shared.revive_delay;
        if delay.is_zero() {
            shared.lock().finish_restart(rev, generation);
        } else {
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                shared.lock().finish_restart(rev, generation);
            });
        }
    }
    let url = if all {
        "/servers/restartWorkers"
    } else {
        "/servers/restartDeadWorkers"
    };
    let body = J::obj([
        ("saved", J::Bool(true)),
        ("success", J::Bool(true)),
        ("name", J::s("Restarting workers.")),
        ("message", J::s("Restarting workers.")),
        ("url", J::s(url)),
    ]);
    Reply::json(200, &body, style)
}

/// `/events/index` with named params (`limit:N/page:P`) or a JSON body (`{"limit":…}`,
/// optionally wrapped in `{"request":…}`).
pub(super) fn events(conn: &Conn, segs: &[&str], r: &Req, style: Style) -> Reply {
    let (mut limit, mut page) = (0u64, 1u64);
    let (mut sort, mut desc, mut published) = (None, false, None);
    for seg in segs.iter().skip(2) {
        if let Some((k, v)) = seg.split_once(':') {
            match (k.to_ascii_lowercase().as_str(), v.parse::<u64>()) {
                ("limit", Ok(n)) => limit = n,
                ("page", Ok(n)) => page = n,
                ("searchpublished", Ok(n)) => published = Some(n == 1),
                ("sort", _) => sort = Some(v.to_ascii_lowercase()),
                ("direction", _) => desc = v.eq_ignore_ascii_case("desc"),
                _ => {}
            }
        }
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(r.body) {
        let v = v.get("request").unwrap_or(&v);
        let num = |k: &str| {
            v.get(k).and_then(|x| {
                x.as_u64()
                    .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
            })
        };
        limit = num("limit").unwrap_or(limit);
        page = num("page").unwrap_or(page);
    }
    let query = crate::state::EventQuery {
        limit,
        page,
        // Ids grow with the timestamp, so sorting by either is the same order.
        newest_first: desc && matches!(sort.as_deref(), Some("timestamp" | "id")),
        published,
    };
    let (list, total) = conn.shared.lock().events_json(&query);
    let mut rep = Reply::json(200, &list, style);
    rep.headers.push(("X-Result-Count", total.to_string()));
    rep
}

/// Parses `mode=…` values of the control API.
pub(crate) fn parse_mode(s: &str) -> Option<WorkerMode> {
    match s.to_ascii_lowercase().as_str() {
        "supervisor" | "simplebackgroundjobs" => Some(WorkerMode::Supervisor),
        "cakeresque" => Some(WorkerMode::CakeResque),
        "legacy" => Some(WorkerMode::Legacy),
        _ => None,
    }
}

/// Parses `encoding=…` values of the control API.
pub(crate) fn parse_encoding(s: &str) -> Option<Encoding> {
    match s.trim_start_matches(['v', 'V']) {
        "2.4" | "24" => Some(Encoding::V24),
        "2.5" | "25" => Some(Encoding::V25),
        _ => None,
    }
}
