//! Feeds and their fetch jobs: `/feeds/index` and `/jobs/index` as MISP answers them.
//!
//! A fetch job's `date_created`/`date_modified` are written as MISP's PHP writes them:
//! `Y-m-d H:i:s` in its own timezone, which [`FeedState::php_offset`] sets, with no offset
//! in the text. Jobs are kept newest first, as `/jobs/index` orders them (by id).

use crate::json::J;

pub(crate) struct Feed {
    id: u64,
    name: String,
    enabled: bool,
    caching: bool,
    headers: Option<String>,
    cache_timestamp: Option<u64>,
}

pub(crate) struct Job {
    id: u64,
    job_type: String,
    input: String,
    status: u64,
    message: String,
    /// Unix time it was created and last changed.
    created: u64,
    modified: u64,
    crashed: bool,
    from_shell: bool,
    by_system: bool,
}

/// MISP's default feeds: id, provider, URL (a fresh MISP lists them disabled).
const DEFAULT_FEEDS: [(&str, &str, &str); 2] = [
    (
        "CIRCL OSINT Feed",
        "CIRCL",
        "https://www.circl.lu/doc/misp/feed-osint",
    ),
    (
        "The Botvrij.eu Data",
        "Botvrij.eu",
        "https://www.botvrij.eu/data/feed-osint",
    ),
];

pub(crate) struct FeedState {
    feeds: Vec<Feed>,
    jobs: Vec<Job>,
    /// Seconds east of UTC of PHP's `date.timezone`.
    pub(crate) php_offset: i64,
}

/// A fetch to record: for one feed (`Some(id)`) or for all (`None`).
pub struct Fetch {
    pub feed: Option<u64>,
    /// 4 done, 3 failed, 1 waiting, 2 running.
    pub status: u64,
    pub message: String,
    /// Unix time the job finished (or was last touched).
    pub at: u64,
    /// `fetch_feeds` (the default), `fetch_feed` or `feed_fetch`.
    pub job_type: String,
    /// The worker process died mid-fetch: the row keeps its status, the worker says
    /// "Failed" (as MISP 2.4.199 on PHP 7.4 does when a feed brings a new organisation).
    pub crashed: bool,
    /// Run by `cake Server fetchFeed` (a cron) rather than a worker: no process id, so
    /// `/jobs/index` says `job_status: "Unknown"`, `failed: null`.
    pub from_shell: bool,
    /// Created by MISP's SYSTEM user (org 0), as some background work is: the row's
    /// `Org` has null id, name and uuid.
    pub by_system: bool,
}

impl Fetch {
    pub fn new(feed: Option<u64>, status: u64, at: u64) -> Fetch {
        let message = match status {
            4 => "Job done.",
            3 => "Job failed. See error log for more details.",
            _ => "Starting fetch from Feed.",
        };
        Fetch {
            feed,
            status,
            message: message.to_owned(),
            at,
            job_type: "fetch_feeds".to_owned(),
            crashed: false,
            from_shell: false,
            by_system: false,
        }
    }
}

impl Default for FeedState {
    fn default() -> Self {
        let feeds = (1..)
            .zip(DEFAULT_FEEDS)
            .map(|(id, (name, _, _))| Feed {
                id,
                name: name.to_owned(),
                enabled: false,
                caching: false,
                headers: None,
                cache_timestamp: None,
            })
            .collect();
        FeedState {
            feeds,
            jobs: Vec::new(),
            php_offset: 0,
        }
    }
}

impl FeedState {
    pub(crate) fn add_feed(
        &mut self,
        name: &str,
        enabled: bool,
        caching: bool,
        headers: Option<&str>,
    ) -> u64 {
        let id = self.feeds.iter().map(|f| f.id).max().unwrap_or(0) + 1;
        self.feeds.push(Feed {
            id,
            name: name.to_owned(),
            enabled,
            caching,
            headers: headers.map(str::to_owned),
            cache_timestamp: None,
        });
        id
    }

    pub(crate) fn set_cached(&mut self, id: u64, at: Option<u64>) -> bool {
        match self.feeds.iter_mut().find(|f| f.id == id) {
            Some(f) => {
                f.cache_timestamp = at;
                true
            }
            None => false,
        }
    }

    pub(crate) fn add_fetch(&mut self, f: Fetch) -> u64 {
        let id = self.jobs.first().map_or(0, |j| j.id) + 1;
        let input = f.feed.map_or_else(|| "all".to_owned(), |id| id.to_string());
        self.jobs.insert(
            0,
            Job {
                id,
                job_type: f.job_type,
                input: format!("Feed: {input}"),
                status: f.status,
                message: f.message,
                created: f.at.saturating_sub(2),
                modified: f.at,
                crashed: f.crashed,
                from_shell: f.from_shell,
                by_system: f.by_system,
            },
        );
        id
    }

    pub(crate) fn clear(&mut self) {
        *self = FeedState::default();
    }

    /// Ids and numbers as strings, as both MISP 2.4.199 and 2.5.1 send them here.
    pub(crate) fn feeds_json(&self) -> J {
        let num = |n: u64| J::s(n.to_string());
        J::Arr(
            self.feeds
                .iter()
                .map(|f| {
                    let headers = f.headers.clone().map_or(J::Null, J::Str);
                    let cached = f.cache_timestamp.map_or(J::Bool(false), num);
                    let default = f.id <= 2;
                    let (url, provider) = if default {
                        (
                            DEFAULT_FEEDS[(f.id - 1) as usize].2,
                            DEFAULT_FEEDS[(f.id - 1) as usize].1,
                        )
                    } else {
                        ("https://feeds.example/osint", "sim")
                    };
                    // As MISP 2.5.1 lists them: its two default feeds as installed, and
                    // a feed added through `/feeds/add` as that stores it.
                    let settings = if default { J::Null } else { J::s("[]") };
                    J::obj([(
                        "Feed",
                        J::obj([
                            ("id", num(f.id)),
                            ("name", J::s(f.name.clone())),
                            ("provider", J::s(provider)),
                            ("url", J::s(url)),
                            ("rules", J::Null),
                            ("enabled", J::Bool(f.enabled)),
                            ("distribution", num(if default { 3 } else { 0 })),
                            ("sharing_group_id", num(0)),
                            ("tag_id", num(0)),
                            ("default", J::Bool(default)),
                            ("source_format", J::s("misp")),
                            ("fixed_event", J::Bool(!default)),
                            ("delta_merge", J::Bool(false)),
                            ("event_id", num(0)),
                            ("publish", J::Bool(false)),
                            ("override_ids", J::Bool(false)),
                            ("settings", settings),
                            ("input_source", J::s("network")),
                            ("delete_local_file", J::Bool(false)),
                            ("lookup_visible", J::Bool(false)),
                            ("headers", headers),
                            ("caching_enabled", J::Bool(f.caching)),
                            ("force_to_ids", J::Bool(false)),
                            ("orgc_id", num(0)),
                            ("tag_collection_id", num(0)),
                            ("cache_timestamp", cached),
                        ]),
                    )])
                })
                .collect(),
        )
    }

    /// `/jobs/index[/QUEUE][/limit:N][/page:N]` (`args` after `index`): every simulated
    /// job is on `default`; `None` past the last page (CakePHP's 404).
    pub(crate) fn jobs_page(&self, args: &[&str]) -> Option<J> {
        let (mut limit, mut page) = (20, 1);
        for arg in args {
            match arg.split_once(':') {
                Some(("limit", v)) => limit = v.parse().unwrap_or(20).min(100),
                Some(("page", v)) => page = v.parse().unwrap_or(1),
                Some(_) => {}
                None if *arg != "default" => return Some(J::Arr(Vec::new())),
                None => {}
            }
        }
        self.jobs_json(limit, page)
    }

    fn jobs_json(&self, limit: usize, page: usize) -> Option<J> {
        let num = |n: u64| J::s(n.to_string());
        let start = limit * page.saturating_sub(1);
        if page > 1 && start >= self.jobs.len() {
            return None;
        }
        let rows = self.jobs.iter().skip(start).take(limit).map(|j| {
            let done = matches!(j.status, 3 | 4);
            let worker = match (j.from_shell, j.crashed, done) {
                (true, _, _) => "Unknown",
                (false, true, _) => "Failed",
                (false, false, true) => "Completed",
                (false, false, false) => "Waiting",
            };
            let (process, failed) = if j.from_shell {
                (J::Null, J::Null)
            } else {
                (
                    J::s(format!("5ecadb85-d6cf-4d3d-adfa-{:012}", j.id)),
                    J::Bool(j.crashed),
                )
            };
            J::obj([
                (
                    "Job",
                    J::obj([
                        ("id", num(j.id)),
                        ("worker", J::s("default")),
                        ("job_type", J::s(j.job_type.clone())),
                        ("job_input", J::s(j.input.clone())),
                        ("status", num(j.status)),
                        ("retries", num(0)),
                        ("message", J::s(j.message.clone())),
                        ("progress", num(if done { 100 } else { 0 })),
                        ("org_id", num(if j.by_system { 0 } else { 1 })),
                        ("process_id", process),
                        ("date_created", J::s(self.local(j.created))),
                        ("date_modified", J::s(self.local(j.modified))),
                        // The worker process's state, not the fetch's: a failed fetch
                        // still shows "Completed" and `failed: false`.
                        ("job_status", J::s(worker)),
                        ("failed", failed),
                        ("worker_status", J::Bool(true)),
                    ]),
                ),
                (
                    "Org",
                    if j.by_system {
                        J::obj([("id", J::Null), ("name", J::Null), ("uuid", J::Null)])
                    } else {
                        J::obj([
                            ("id", num(1)),
                            ("name", J::s("ORGNAME")),
                            ("uuid", J::s("6d23c35c-e746-4b4d-b367-5cc07aee20e5")),
                        ])
                    },
                ),
            ])
        });
        Some(J::Arr(rows.collect()))
    }

    /// PHP's `date('Y-m-d H:i:s')` in the simulated zone.
    fn local(&self, unix: u64) -> String {
        let t = unix.saturating_add_signed(self.php_offset);
        let (days, secs) = (t / 86_400, t % 86_400);
        let (y, m, d) = civil(days);
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

/// Days since 1970-01-01 as a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_in_php_s_zone_without_offset() {
        let mut st = FeedState::default();
        assert_eq!(st.local(1_796_519_562), "2026-12-06 01:12:42");
        assert_eq!(st.local(951_782_400), "2000-02-29 00:00:00");
        st.php_offset = 3600;
        assert_eq!(st.local(1_796_519_562), "2026-12-06 02:12:42");
    }
}
