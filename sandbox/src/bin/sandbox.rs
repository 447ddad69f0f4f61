//! Runs sandbox fakes standalone on loopback until SIGTERM or Ctrl-C: see [`sandbox::cli`] for the
//! command line and what it prints.

fn main() -> std::process::ExitCode {
    sandbox::cli::main()
}
