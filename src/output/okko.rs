//! OpenNMS SystemExecuteMonitor: stdout exactly `OK` (exit 0) or `KO` (exit 1).
//!
//! SystemExecuteMonitor treats any non-zero exit as down and its banner is a substring
//! test, so only OK is OK: WARNING (a healed outage included) is KO, and the reason goes
//! to stderr, which OpenNMS logs.

use super::Rendered;
use crate::outcome::{Outcome, State};

pub(super) fn render(o: &Outcome) -> Rendered {
    if o.state == State::Ok {
        Rendered {
            stdout: "OK\n".into(),
            stderr: String::new(),
            code: 0,
        }
    } else {
        let name = super::shouted(o);
        Rendered {
            stdout: "KO\n".into(),
            stderr: format!("MISP{name} {} - {}\n", o.state.label(), o.summary),
            code: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_name::CheckName;

    #[test]
    fn only_ok_is_ok() {
        let ok = render(&Outcome::new(CheckName::Jobs, State::Ok, "fine"));
        assert_eq!(
            (ok.stdout.as_str(), ok.code, ok.stderr.as_str()),
            ("OK\n", 0, "")
        );
        for s in [State::Warning, State::Critical, State::Unknown] {
            let r = render(&Outcome::new(CheckName::Jobs, s, "why"));
            assert_eq!((r.stdout.as_str(), r.code), ("KO\n", 1));
            assert_eq!(r.stderr, format!("MISP JOBS {} - why\n", s.label()));
        }
    }
}
