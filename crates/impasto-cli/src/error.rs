//! The command's one error type, and how a message becomes one line.

use std::fmt;

/// An error the command reports: one sentence, printed as `error: ...`.
#[derive(Debug)]
pub struct CliError(String);

impl CliError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        CliError(message.into())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for CliError {
    fn from(error: E) -> Self {
        CliError(error.to_string())
    }
}

/// `message` on one line: its words joined by single spaces.
pub fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// clap's error text (message, tips, usage, "for more information") as one line: the
/// message and its tips, then a pointer to `--help`.
pub fn clap_one_line(text: &str) -> String {
    let mut line = String::new();
    for part in text.lines().map(str::trim) {
        if part.starts_with("Usage:") || part.starts_with("For more information") {
            break;
        }
        if part.is_empty() {
            continue;
        }
        if !line.is_empty() {
            let glue = if line.ends_with(':') || part.starts_with('[') {
                " "
            } else {
                "; "
            };
            line.push_str(glue);
        }
        line.push_str(part);
    }
    if !line.starts_with("error:") {
        line.insert_str(0, "error: ");
    }
    line.push_str(" (see --help)");
    line
}
