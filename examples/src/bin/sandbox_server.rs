//! The sandbox's command line (`cargo run -p sandbox --bin sandbox`) built with the examples, so
//! that their process tests (`tests/crash.rs`) can run the fakes in a process of their own: see
//! [`sandbox::cli`].

fn main() -> std::process::ExitCode {
    sandbox::cli::main()
}
