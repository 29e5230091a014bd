//! The key in use, as MISP 2.5 tells of it: `X-Auth-Key-Expiration` on every answer to an
//! advanced key with an expiry (PHP's `date('c')`, here in UTC), and `/auth_keys/index`,
//! which filters by a key's first and last four characters.

use crate::json::J;

/// What MISP knows of the site admin's key.
#[derive(Clone, Debug, Default)]
pub(crate) struct SimKey {
    /// Unix seconds; `None`: no expiry.
    pub(crate) expiration: Option<u64>,
    pub(crate) read_only: bool,
    pub(crate) allowed_ips: Vec<String>,
    /// A `users.authkey` key (advanced auth keys off): not in the index, never expiring.
    pub(crate) classic: bool,
}

impl SimKey {
    /// The header's value, as MISP writes it.
    pub(crate) fn header(&self) -> Option<String> {
        self.expiration.filter(|_| !self.classic).map(php_date_c)
    }

    /// The `/auth_keys/index` answer for `filter` (a POSTed JSON body; empty: no filter).
    pub(crate) fn index(&self, key: &str, filter: &[u8]) -> J {
        let wanted: serde_json::Value = serde_json::from_slice(filter).unwrap_or_default();
        let (start, end) = (&key[..4], &key[key.len() - 4..]);
        let matches = |field: &str, value: &str| {
            wanted
                .get(field)
                .and_then(serde_json::Value::as_str)
                .is_none_or(|w| w == value)
        };
        if self.classic || !matches("authkey_start", start) || !matches("authkey_end", end) {
            return J::Arr(Vec::new());
        }
        let ips = if self.allowed_ips.is_empty() {
            J::Null
        } else {
            J::Arr(self.allowed_ips.iter().map(J::s).collect())
        };
        J::Arr(vec![J::obj([
            (
                "AuthKey",
                J::obj([
                    ("id", J::s("3")),
                    ("uuid", J::s("99930e1a-fd8f-4794-a8f3-c6efa9409050")),
                    ("authkey_start", J::s(start)),
                    ("authkey_end", J::s(end)),
                    ("created", J::s("1796518243")),
                    ("expiration", J::s(self.expiration.unwrap_or(0).to_string())),
                    ("read_only", J::Bool(self.read_only)),
                    ("user_id", J::s("1")),
                    ("comment", J::s("monitoring")),
                    ("allowed_ips", ips),
                    ("unique_ips", J::Arr(vec![J::s("127.0.0.1")])),
                ]),
            ),
            (
                "User",
                J::obj([("id", J::s("1")), ("email", J::s("admin@admin.test"))]),
            ),
        ])])
    }
}

/// `date('c', t)` with PHP's time zone at UTC: `2026-12-16T00:00:00+00:00`.
fn php_date_c(t: u64) -> String {
    let days = t / 86_400;
    let secs = t % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_php_writes_them() {
        assert_eq!(php_date_c(1_797_379_200), "2026-12-16T00:00:00+00:00");
        assert_eq!(php_date_c(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(php_date_c(1_709_208_000 + 61), "2024-02-29T12:01:01+00:00");
    }
}
