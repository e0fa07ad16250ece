fn main() -> std::process::ExitCode {
    shipcheck::cli::main()
}
