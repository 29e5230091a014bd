//! The API key in use, as MISP tells of it: the `X-Auth-Key-Expiration` header it adds to
//! every answer to an advanced auth key that has an expiry (PHP's `date('c')`, e.g.
//! `2026-12-16T00:00:00+00:00`, in MISP's own time zone), and the key's entry in
//! `/auth_keys/index`, which names a key by its first and last four characters.

use super::{flag, number, one_line};
use serde_json::Value;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Unix seconds of an ISO 8601 date-time with its offset (`Z` or `±HH:MM`, as PHP's
/// `date('c')` writes it); `None` for anything else.
pub fn parse_expiration(text: &str) -> Option<i64> {
    let t = text.trim();
    let (date, rest) = t.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let year: i64 = d.next()?.parse().ok()?;
    let month: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    let (time, offset) = match rest.find(['+', '-', 'Z']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let mut hms = time.splitn(3, ':');
    let hour: i64 = hms.next()?.parse().ok()?;
    let minute: i64 = hms.next()?.parse().ok()?;
    // Fractions of a second, which PHP does not write, are dropped.
    let second: i64 = hms
        .next()
        .map_or(Some(0), |s| s.split('.').next()?.parse().ok())?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let offset_secs = match offset {
        "Z" | "" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let digits = o[1..].replace(':', "");
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let h: i64 = digits[..2].parse().ok()?;
            let m: i64 = digits[2..].parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    Some(days * DAY + hour * 3600 + minute * 60 + second - offset_secs)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whole days from `now` until `expires`, rounded down (6.9 days left is 6).
pub fn days_left(expires: i64, now: i64) -> i64 {
    (expires - now).div_euclid(DAY)
}

/// The key's entry in `/auth_keys/index`, as far as it tells of the key.
#[derive(Debug, PartialEq)]
pub struct Entry {
    pub id: Option<u64>,
    pub comment: String,
    pub user: Option<String>,
    /// Unix seconds; `None` for "never" (MISP stores 0).
    pub expiration: Option<i64>,
    pub read_only: bool,
    pub allowed_ips: Vec<String>,
}

/// The entries of an `/auth_keys/index` answer whose first and last four characters are
/// those of `key` (MISP's own way of naming a key it keeps only hashed). `None` when the
/// answer is not a list.
pub fn matching(index: &Value, key: &str) -> Option<Vec<Entry>> {
    let (start, end) = (
        key.get(..4).unwrap_or(""),
        key.get(key.len().saturating_sub(4)..).unwrap_or(""),
    );
    let list = index.as_array()?;
    Some(
        list.iter()
            .filter_map(|item| {
                let k = item.get("AuthKey")?;
                let s = k.get("authkey_start").and_then(Value::as_str)?;
                let e = k.get("authkey_end").and_then(Value::as_str)?;
                (s == start && e == end).then(|| entry(item, k))
            })
            .collect(),
    )
}

fn entry(item: &Value, k: &Value) -> Entry {
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(|s| one_line(s, 80))
            .unwrap_or_default()
    };
    let allowed_ips = match k.get("allowed_ips") {
        Some(Value::Array(ips)) => ips
            .iter()
            .filter_map(Value::as_str)
            .map(|s| one_line(s, 60))
            .collect(),
        // Older answers carry the JSON text MISP stores.
        Some(Value::String(s)) => serde_json::from_str::<Vec<String>>(s)
            .unwrap_or_else(|_| vec![one_line(s, 60)])
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    Entry {
        id: k.get("id").and_then(number),
        comment: text(k.get("comment")),
        user: item
            .pointer("/User/email")
            .and_then(Value::as_str)
            .map(|s| one_line(s, 80)),
        expiration: k
            .get("expiration")
            .and_then(number)
            .filter(|&n| n > 0)
            .and_then(|n| i64::try_from(n).ok()),
        read_only: k.get("read_only").and_then(flag).unwrap_or(false),
        allowed_ips,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn php_iso_dates_with_any_offset() {
        assert_eq!(
            parse_expiration("2026-12-16T00:00:00+00:00"),
            Some(1_797_379_200)
        );
        assert_eq!(
            parse_expiration("2026-12-16T00:00:00Z"),
            Some(1_797_379_200)
        );
        assert_eq!(
            parse_expiration("2026-12-16T01:00:00+01:00"),
            Some(1_797_379_200)
        );
        assert_eq!(
            parse_expiration("2026-12-15T19:00:00-05:00"),
            Some(1_797_379_200)
        );
        assert_eq!(parse_expiration("1970-01-01T00:00:00+00:00"), Some(0));
        assert_eq!(
            parse_expiration("2024-02-29T12:00:00+00:00"),
            Some(1_709_208_000)
        );
        for bad in [
            "",
            "tomorrow",
            "2026-13-01T00:00:00Z",
            "2026-12-16",
            "2026-12-16T00:00:00+1",
        ] {
            assert_eq!(parse_expiration(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_round_down() {
        assert_eq!(days_left(10 * DAY - 1, 0), 9);
        assert_eq!(days_left(10 * DAY, 0), 10);
        assert_eq!(days_left(0, 1), -1);
    }

    #[test]
    fn the_key_is_found_by_its_ends() {
        let index = json!([
            {"AuthKey": {"id": "3", "authkey_start": "TnIe", "authkey_end": "AleP", "expiration": "0",
             "read_only": false, "comment": "", "allowed_ips": null}, "User": {"email": "a@x"}},
            {"AuthKey": {"id": "4", "authkey_start": "DnU8", "authkey_end": "jQok", "expiration": "1797379200",
             "read_only": true, "comment": "nagios", "allowed_ips": ["127.0.0.1", "::1"]}, "User": {"email": "a@x"}}
        ]);
        let found = matching(&index, "DnU8TJIKBEoGmOwLQvnGQo6yTqyqrIEw8KKKjQok").unwrap();
        assert_eq!(
            found,
            [Entry {
                id: Some(4),
                comment: "nagios".into(),
                user: Some("a@x".into()),
                expiration: Some(1_797_379_200),
                read_only: true,
                allowed_ips: vec!["127.0.0.1".into(), "::1".into()],
            }]
        );
        let other = matching(&index, "TnIeXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXAleP").unwrap();
        assert_eq!((other[0].expiration, other[0].read_only), (None, false));
        assert!(matching(&index, "zzzzXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXzzzz")
            .unwrap()
            .is_empty());
        assert!(matching(&json!({"name": "x"}), "k").is_none());
    }
}
