//! What the commands print. A reader that goes away (`costscope findings | head -1`)
//! ends the command quietly, as a Unix tool does, instead of a panic; a diagnostic
//! sent to a closed stderr is dropped.

use super::AppError;
use std::io::{ErrorKind, Write};

/// Writes to stdout; a closed pipe becomes `AppError::ClosedPipe`, which exits quietly.
pub(crate) fn stdout(args: std::fmt::Arguments<'_>) -> Result<(), AppError> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)
        .and_then(|()| out.flush())
        .map_err(|e| match e.kind() {
            ErrorKind::BrokenPipe => AppError::ClosedPipe,
            _ => AppError::Terminal(e),
        })
}

/// Writes a diagnostic line to stderr; if nobody reads it any more, it is dropped.
pub(crate) fn stderr(args: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "{args}");
}

/// `print!` that returns `AppError::ClosedPipe` from the command when stdout closes.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::stdout(format_args!($($arg)*))?
    };
}

/// `println!` that returns `AppError::ClosedPipe` from the command when stdout closes.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::output::stdout(format_args!("{}\n", format_args!($($arg)*)))?
    };
}

/// `eprintln!` that never panics.
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::cli::output::stderr(format_args!($($arg)*))
    };
}

pub(crate) use {note, out, outln};
