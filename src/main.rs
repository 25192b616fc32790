//! The `fiches` command; everything is in the library (`fiches::cli`).

fn main() -> std::process::ExitCode {
    fiches::cli::main()
}
