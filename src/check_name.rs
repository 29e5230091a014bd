//! The list of checks, written once.
//!
//! [`for_each_check!`] hands the list to another macro: here it becomes [`CheckName`],
//! and in [`crate::checks`] the subcommands and the dispatch to each check's module. Each
//! entry is the check's module (also its name on the command line) and its variant.
//! The order is that of `--help`, of the man pages and of `all`'s lines.

macro_rules! for_each_check {
    ($then:ident) => {
        $then! {
            login Login,
            events Events,
            latency Latency,
            workers Workers,
            heal Heal,
            jobs Jobs,
            stats Stats,
            users Users,
            diagnostics Diagnostics,
            version Version,
            heartbeat Heartbeat,
            cert Cert,
            key Key,
            freshness Freshness,
            feeds Feeds,
            sync Sync,
            all All,
        }
    };
}
pub(crate) use for_each_check;

macro_rules! define_check_name {
    ($($module:ident $variant:ident,)*) => {
        /// A check, as `check_misp <CHECK>`, `check_misp_<CHECK>` and `--only` spell it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
        pub enum CheckName {
            $($variant,)*
        }

        impl CheckName {
            /// Every name, in the list's order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($module),)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(CheckName::$variant => stringify!($module),)*
                }
            }

            pub fn from_name(name: &str) -> Option<CheckName> {
                match name {
                    $(stringify!($module) => Some(CheckName::$variant),)*
                    _ => None,
                }
            }
        }
    };
}
for_each_check!(define_check_name);

impl std::fmt::Display for CheckName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for CheckName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn clap_spells_each_name_as_the_list_does() {
        for (name, value) in CheckName::NAMES.iter().zip(CheckName::value_variants()) {
            assert_eq!(value.as_str(), *name);
            assert_eq!(CheckName::from_name(name), Some(*value));
            assert_eq!(CheckName::from_str(name, false), Ok(*value));
        }
        assert_eq!(CheckName::NAMES.len(), CheckName::value_variants().len());
    }
}
