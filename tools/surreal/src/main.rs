//! The `surreal` command line (`surreal start …`), exactly as SurrealDB's own binary runs it.
fn main() -> std::process::ExitCode {
    surrealdb_server::init(surrealdb_server::core::CommunityComposer())
}
