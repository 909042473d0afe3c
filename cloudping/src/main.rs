//! The `cloudping` binary; everything lives in the library.

fn main() -> std::process::ExitCode {
    cloudping::main()
}
