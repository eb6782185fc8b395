//! Colour in the terminal views, the way ripgrep, fd and bat do it:
//! `--color auto` (the default) colours only a terminal and honours
//! `NO_COLOR` (no-color.org) and `TERM=dumb`; `always` and `never` force it.
//! Colour marks what matters (failures, full tables); the same words are
//! there without it.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// What the command line asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Auto,
    Always,
    Never,
}

/// Decides once, for the whole run, whether standard output is coloured.
pub fn init(choice: Choice) {
    let on = match choice {
        Choice::Always => true,
        Choice::Never => false,
        Choice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
                && std::io::stdout().is_terminal()
        }
    };
    ENABLED.store(on, Ordering::Relaxed);
}

/// A colour for a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    /// Failures, critical findings, tables at 90 % or more.
    Bad,
    /// Warnings, tables at 60 % or more.
    Warn,
    /// Passed checks.
    Good,
}

/// `text` in `paint`'s colour when colour is on. Pad before painting: the
/// escape codes have no width.
pub fn paint(paint: Paint, text: &str) -> String {
    apply(ENABLED.load(Ordering::Relaxed), paint, text)
}

fn apply(on: bool, paint: Paint, text: &str) -> String {
    if !on || text.is_empty() {
        return text.to_string();
    }
    let code = match paint {
        Paint::Bad => "1;31",
        Paint::Warn => "33",
        Paint::Good => "32",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// The colour of a table's fill: the levels `check` warns and fails at by
/// default (60 % and 75 %), and 90 % where new flows start to be dropped.
pub fn fill_paint(u: f64) -> Option<Paint> {
    if u >= 0.75 {
        Some(Paint::Bad)
    } else if u >= 0.6 {
        Some(Paint::Warn)
    } else {
        None
    }
}

/// `text` coloured by the fill it shows.
pub fn paint_fill(u: f64, text: &str) -> String {
    match fill_paint(u) {
        Some(p) => paint(p, text),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_when_on_and_levels() {
        // The switch itself is process-wide: tests run in parallel, so they
        // exercise the painting without flipping it.
        assert_eq!(apply(false, Paint::Bad, "FAIL"), "FAIL");
        assert_eq!(apply(true, Paint::Bad, "FAIL"), "\x1b[1;31mFAIL\x1b[0m");
        assert_eq!(apply(true, Paint::Warn, ""), "");
        assert_eq!(fill_paint(0.999), Some(Paint::Bad));
        assert_eq!(fill_paint(0.61), Some(Paint::Warn));
        assert_eq!(fill_paint(0.1), None);
    }
}
