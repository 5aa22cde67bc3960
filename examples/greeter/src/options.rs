//! `--flag VALUE` options and `--switch`es, without a command-line parser
//! crate: the binaries stay about the framework.

use std::collections::{HashMap, HashSet};

/// The options given to a binary.
#[derive(Clone, Debug, Default)]
pub struct Options {
    values: HashMap<String, String>,
    switches: HashSet<String>,
}

impl Options {
    /// The process's arguments: each one of `values` followed by its value
    /// (`--flag VALUE` or `--flag=VALUE`), or one of `switches`.
    ///
    /// # Errors
    ///
    /// A usage message naming the argument that is neither.
    pub fn parse(values: &[&str], switches: &[&str]) -> Result<Options, String> {
        Options::parse_from(std::env::args().skip(1), values, switches)
    }

    /// The value given for `flag`, if any.
    pub fn value(&self, flag: &str) -> Option<&str> {
        self.values.get(flag).map(String::as_str)
    }

    /// Whether the switch `flag` was given.
    pub fn switch(&self, flag: &str) -> bool {
        self.switches.contains(flag)
    }

    fn parse_from(
        mut args: impl Iterator<Item = String>,
        values: &[&str],
        switches: &[&str],
    ) -> Result<Options, String> {
        let usage = values
            .iter()
            .map(|flag| format!("[{flag} VALUE]"))
            .chain(switches.iter().map(|flag| format!("[{flag}]")))
            .collect::<Vec<_>>()
            .join(" ");
        let mut options = Options::default();
        while let Some(arg) = args.next() {
            if switches.contains(&arg.as_str()) {
                options.switches.insert(arg);
                continue;
            }
            let (flag, value) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
                None => (arg.clone(), None),
            };
            if !values.contains(&flag.as_str()) {
                return Err(format!("unexpected argument {arg:?}; usage: {usage}"));
            }
            let value = match value {
                Some(value) => value,
                None => args
                    .next()
                    .ok_or_else(|| format!("{flag} needs a value; usage: {usage}"))?,
            };
            options.values.insert(flag, value);
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::Options;

    fn parse(list: &[&str]) -> Result<Options, String> {
        let args = list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Options::parse_from(args.into_iter(), &["--a", "--b"], &["--s"])
    }

    #[test]
    fn known_flags_with_values_and_switches() {
        let options = parse(&["--a", "1", "--s", "--b=2"]).unwrap();
        assert_eq!(options.value("--a"), Some("1"));
        assert_eq!(options.value("--b"), Some("2"));
        assert!(options.switch("--s"));
        let none = parse(&[]).unwrap();
        assert_eq!(none.value("--a"), None);
        assert!(!none.switch("--s"));
    }

    #[test]
    fn anything_else_is_a_usage_error() {
        let usage = "usage: [--a VALUE] [--b VALUE] [--s]";
        assert_eq!(
            parse(&["--c", "1"]).unwrap_err(),
            format!("unexpected argument \"--c\"; {usage}")
        );
        assert_eq!(
            parse(&["--a"]).unwrap_err(),
            format!("--a needs a value; {usage}")
        );
    }
}
