fn main() {
    std::process::exit(casguard::cli::main());
}
