//! The `apigate` binary: parses arguments and hands each command to the library
//! (`cli` prints and sets exit codes; `config`, `app` and `vtl` do the work).

use std::process::ExitCode;

use apigate::cli::{self, Cli, Command};
use clap::Parser;

/// mimalloc rather than the system allocator: the request path's short-lived buffers and boxed
/// futures cost less there (the load bench measured it).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = Cli::parse();
    match args.command {
        Command::Serve { config } => cli::serve(
            &cli::config_path(config, "gateway.yaml"),
            args.log_format,
            false,
        ),
        Command::Demo { config } => cli::serve(
            &cli::config_path(config, "demo.yaml"),
            args.log_format,
            true,
        ),
        Command::Check { config } => cli::check(&cli::config_path(config, "gateway.yaml")),
        Command::Render { template, input } => cli::render(&template, input.as_deref()),
    }
}
