//! The examples' one option, `--listen ADDR` or `--connect ADDR`, without
//! a command-line parser crate: the binaries stay about the framework.

/// The value of `flag` in the process's arguments, or `default`.
///
/// # Errors
///
/// A usage message when an argument is not `flag ADDR` (or `flag=ADDR`).
pub fn address_arg(flag: &str, default: &str) -> Result<String, String> {
    parse(std::env::args().skip(1), flag, default)
}

fn parse(
    mut args: impl Iterator<Item = String>,
    flag: &str,
    default: &str,
) -> Result<String, String> {
    let usage = format!("usage: [{flag} ADDR] (default {default})");
    let mut address = None;
    while let Some(arg) = args.next() {
        let value = if arg == flag {
            args.next()
                .ok_or_else(|| format!("{flag} needs an address; {usage}"))?
        } else if let Some(value) = arg.strip_prefix(flag).and_then(|v| v.strip_prefix('=')) {
            value.to_string()
        } else {
            return Err(format!("unexpected argument {arg:?}; {usage}"));
        };
        address = Some(value);
    }
    Ok(address.unwrap_or_else(|| default.to_string()))
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
    fn the_flag_or_the_default() {
        assert_eq!(parse(args(&[]), "--listen", "x").unwrap(), "x");
        assert_eq!(
            parse(args(&["--listen", "y"]), "--listen", "x").unwrap(),
            "y"
        );
        assert_eq!(parse(args(&["--listen=z"]), "--listen", "x").unwrap(), "z");
    }

    #[test]
    fn anything_else_is_a_usage_error() {
        let missing = parse(args(&["--listen"]), "--listen", "x").unwrap_err();
        assert!(missing.contains("--listen needs an address"), "{missing}");
        let unknown = parse(args(&["--lisen", "y"]), "--listen", "x").unwrap_err();
        assert!(
            unknown.contains("unexpected argument \"--lisen\""),
            "{unknown}"
        );
    }
}
