//! `--flag VALUE` options, without a command-line parser crate: the
//! binaries stay about the framework.

use std::collections::HashMap;

/// The process's `--flag VALUE` (or `--flag=VALUE`) arguments, for the
/// flags in `known` only.
///
/// # Errors
///
/// A usage message naming the argument that is not one of `known` with a
/// value.
pub fn options(known: &[&str]) -> Result<HashMap<String, String>, String> {
    parse(std::env::args().skip(1), known)
}

fn parse(
    mut args: impl Iterator<Item = String>,
    known: &[&str],
) -> Result<HashMap<String, String>, String> {
    let usage = format!("usage: [{}]", known.join(" VALUE] ["));
    let usage = format!("{} VALUE]", usage.trim_end_matches(']'));
    let mut found = HashMap::new();
    while let Some(arg) = args.next() {
        let (flag, value) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
            None => (arg.clone(), None),
        };
        if !known.contains(&flag.as_str()) {
            return Err(format!("unexpected argument {arg:?}; {usage}"));
        }
        let value = match value {
            Some(value) => value,
            None => args
                .next()
                .ok_or_else(|| format!("{flag} needs a value; {usage}"))?,
        };
        found.insert(flag, value);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn known_flags_with_values() {
        let found = parse(args(&["--a", "1", "--b=2"]), &["--a", "--b"]).unwrap();
        assert_eq!(found["--a"], "1");
        assert_eq!(found["--b"], "2");
        assert!(parse(args(&[]), &["--a"]).unwrap().is_empty());
    }

    #[test]
    fn anything_else_is_a_usage_error() {
        let unknown = parse(args(&["--c", "1"]), &["--a", "--b"]).unwrap_err();
        assert_eq!(
            unknown,
            "unexpected argument \"--c\"; usage: [--a VALUE] [--b VALUE]"
        );
        let missing = parse(args(&["--a"]), &["--a"]).unwrap_err();
        assert_eq!(missing, "--a needs a value; usage: [--a VALUE]");
    }
}
