use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = costscope::cli::Cli::parse();
    match costscope::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("costscope: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
