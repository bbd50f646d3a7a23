use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = costscope::cli::Cli::parse();
    match costscope::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is_closed_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "costscope: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
