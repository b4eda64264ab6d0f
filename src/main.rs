//! The `kioski` binary: parse arguments, run, turn the outcome into an exit code.

/// sled allocates and frees a node copy on every insert; with glibc's
/// allocator that was a quarter of the time of a bulk write (see
/// docs/performance.md). mimalloc is a drop-in, well-kept replacement.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kioski::cli::main()
}
