//! `clientele`: the Clientele server and its maintenance commands.
use anyhow::Context;
use clap::{Parser, Subcommand};
use server::config::Config;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "clientele",
    version,
    about = "Customer management for online stores"
)]
struct Cli {
    /// Configuration file (optional; CLIENTELE_* environment variables override it).
    #[arg(long, env = "CLIENTELE_CONFIG", default_value = "clientele.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the storefront and the back office (the default).
    Serve,
    /// Apply pending schema migrations and exit.
    Migrate,
    /// Add realistic demo customers (English, Italian and Dutch), the demo catalog, their orders,
    /// open carts, wish lists and product views.
    Seed {
        #[arg(long)]
        customers: u64,
    },
    /// Benchmarks (release builds; see BENCHMARKS.md).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Manage admin users.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Seed (or reuse) customers, then time every grid query shape and a full export.
    Grid {
        #[arg(long, default_value_t = 1_000_000)]
        customers: u64,
        #[arg(long, default_value_t = 200)]
        iterations: usize,
    },
    /// Seed (or reuse) customers and their orders, then time order ingest (batches and single
    /// orders), a status change, and the sales columns' memory in the read model.
    Activity {
        #[arg(long, default_value_t = 1_000_000)]
        customers: u64,
        /// Batches of 1,000 new orders to time.
        #[arg(long, default_value_t = 20)]
        batches: usize,
        /// Single new orders (and then their status changes) to time.
        #[arg(long, default_value_t = 300)]
        singles: usize,
    },
    /// On a seeded store: time live segment counts, the per-event check of 100 segments, and
    /// the member sets' memory.
    Segments {
        #[arg(long, default_value_t = 50)]
        iterations: usize,
    },
    /// Time dynamic-block resolution with 1,000 blocks and 100 segments; `--write` also saves them
    /// (and the segments) to the database, for timing the personalised storefront.
    Blocks {
        #[arg(long, default_value_t = 200_000)]
        iterations: usize,
        #[arg(long)]
        write: bool,
    },
    /// Time a CDP's audience pushes: member deltas of 10,000 emails, then a full snapshot.
    Audiences {
        #[arg(long, default_value_t = 100)]
        calls: usize,
        #[arg(long, default_value_t = 1_000_000)]
        members: usize,
    },
    /// Register accounts, then time sign-ins against one Argon2id hash and sign them all in at once.
    Signin {
        #[arg(long, default_value_t = 200)]
        accounts: usize,
        #[arg(long, default_value_t = 200)]
        rounds: usize,
    },
    /// Serve a bare Leptos page (the storefront benchmark's anchor) until stopped.
    Bare {
        #[arg(long, default_value = "127.0.0.1:3100")]
        listen: std::net::SocketAddr,
    },
    /// A mixed load for a while: admins paging the grid, storefront pages and sign-ins, order
    /// ingest; each kind's latency and errors, memory over the run, orders checked.
    Load {
        #[arg(long, default_value_t = 300)]
        seconds: u64,
        #[arg(long, default_value_t = 50)]
        admins: usize,
        /// Storefront requests a second.
        #[arg(long, default_value_t = 500)]
        storefront: u32,
        /// Orders a second (in API batches of 50).
        #[arg(long, default_value_t = 1_000)]
        orders: u32,
        #[arg(long, default_value_t = 20_000)]
        customers: u64,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin user with the built-in Administrators role.
    Create {
        #[arg(long)]
        email: String,
        /// Read the password from standard input (it never appears in the process list).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long, default_value = "Store")]
        first_name: String,
        #[arg(long, default_value = "Admin")]
        last_name: String,
    },
}

/// Rust's allocations go to mimalloc: under the mixed load glibc's malloc and its arena locks took
/// about a quarter of the CPU (`perf`, BENCHMARKS.md), and its per-thread arenas kept freed memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// RocksDB's C++ still allocates through glibc, which raises its mmap threshold after the first
/// large free, so large buffers then come from a per-thread heap arena and stay there (measured
/// here before mimalloc: 200 sign-ins' 19 MiB buffers left the process at 922 MiB instead of
/// 177 MiB). A fixed threshold keeps such buffers mapped and returns them.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[expect(unsafe_code, reason = "mallopt is a C call; see SAFETY below")]
fn return_large_buffers_to_the_os() {
    // SAFETY: mallopt only changes allocator tuning; it is called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_buffers_to_the_os() {}

fn main() -> ExitCode {
    return_large_buffers_to_the_os();
    let cli = Cli::parse();
    let config = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("clientele: {e}");
            return ExitCode::from(2);
        }
    };
    server::telemetry::init(&config.log);
    server::telemetry::log_panics();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Deep SurrealQL parsing and execution need more than tokio's default 2 MiB stack.
        .thread_stack_size(10 * 1024 * 1024)
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clientele: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let db = app::db::connect(&config.db_target())
                .await
                .context("cannot open the database")?;
            let applied = app::db::migrations::migrate(&db).await?;
            if applied.is_empty() {
                println!("schema is up to date");
            } else {
                println!("applied migrations {applied:?}");
            }
            Ok(())
        }
        Command::Seed { customers } => {
            let db = server::connect(&config).await?;
            println!("{}", server::seed::seed(&db, customers).await?);
            Ok(())
        }
        Command::Bench {
            command:
                BenchCommand::Grid {
                    customers,
                    iterations,
                },
        } => {
            let db = server::connect(&config).await?;
            let report = server::bench::grid(&db, customers, iterations).await?;
            println!("{report}");
            Ok(())
        }
        Command::Bench {
            command:
                BenchCommand::Activity {
                    customers,
                    batches,
                    singles,
                },
        } => {
            let db = server::connect(&config).await?;
            let report = server::bench::activity::run(&db, customers, batches, singles).await?;
            println!("{report}");
            Ok(())
        }
        Command::Bench {
            command: BenchCommand::Segments { iterations },
        } => {
            let db = server::connect(&config).await?;
            let report = server::bench::segments::run(&db, iterations).await?;
            println!("{report}");
            Ok(())
        }
        Command::Bench {
            command: BenchCommand::Blocks { iterations, write },
        } => {
            let db = server::connect(&config).await?;
            let report = server::bench::blocks::run(&db, iterations, write).await?;
            println!("{report}");
            Ok(())
        }
        Command::Bench {
            command: BenchCommand::Audiences { calls, members },
        } => {
            let db = server::connect(&config).await?;
            let report = server::bench::audiences::run(&db, calls, members).await?;
            println!("{report}");
            Ok(())
        }
        Command::Bench {
            command: BenchCommand::Bare { listen },
        } => server::bench::bare::serve(listen).await,
        Command::Bench {
            command: BenchCommand::Signin { accounts, rounds },
        } => {
            let report = server::bench::signin::run(&config, accounts, rounds).await?;
            println!("{report}");
            Ok(())
        }
        Command::Bench {
            command:
                BenchCommand::Load {
                    seconds,
                    admins,
                    storefront,
                    orders,
                    customers,
                },
        } => {
            let load = server::bench::load::Load {
                seconds,
                admins,
                storefront,
                orders,
                customers,
            };
            println!("{}", server::bench::load::run(&config, load).await?);
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    email,
                    password_stdin: _,
                    first_name,
                    last_name,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from stdin")?;
            let password = password.trim_end_matches(['\n', '\r']).to_owned();
            let db = server::connect(&config).await?;
            let hasher = app::auth::password::PasswordHasher::new(2);
            let input = app::admin::users::AdminUserInput::administrator(
                &email,
                &first_name,
                &last_name,
                &password,
            );
            match app::admin::users::store::save(&db, &hasher, input, None).await {
                Ok(_) => {
                    println!("admin user {email} created with the Administrators role");
                    Ok(())
                }
                Err(app::error::AppError::Invalid(problem)) => {
                    anyhow::bail!("cannot create {email}: {problem:?}")
                }
                Err(e) => anyhow::bail!("cannot create {email}: {e}"),
            }
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    // The server listens at once; the admin's read models are built behind it (the storefront
    // does not need them; the grid and the counts say "preparing" meanwhile).
    let (state, warmup) = server::open_state(server::connect(&config).await?, &config).await?;
    tokio::spawn(warmup.finish_in_background());
    server::demo::ensure_demo(&state, &config).await?;
    let allowed = server::csrf::AllowedOrigin::from_url(&config.base_url());
    let transport: Option<std::sync::Arc<dyn server::mail::Transport>> = match (
        &config.smtp,
        &config.mail_dir,
    ) {
        (Some(smtp), _) => Some(std::sync::Arc::new(server::mail::Smtp::new(smtp)?)),
        (None, Some(dir)) => {
            tracing::info!(dir = %dir.display(), "emails are written to files (mail_dir), not sent");
            Some(std::sync::Arc::new(server::mail::DropFolder::new(
                dir.clone(),
            )?))
        }
        (None, None) => {
            tracing::warn!(
                "no SMTP configured: emails stay in the outbox, marked \"no transport\""
            );
            None
        }
    };
    server::mail::spawn_worker(state.db.clone(), transport, state.base_url.clone());
    server::jobs::spawn_online(
        state.clone(),
        std::time::Duration::from_secs(config.online.flush_seconds),
    );
    let limits = server::rate_limit::Limits::new(&config.rate_limit);
    let shrink = limits.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            shrink.shrink();
        }
    });
    let activity = state.clone();
    let app = server::routes::router(state, allowed, limits);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    tracing::info!(address = %config.listen, base_url = %config.base_url, "Clientele is listening");
    println!("Clientele is listening on http://{}", config.listen);
    axum::serve(
        server::routes::no_delay(listener),
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    // What was noted since the last flush is written before the process goes.
    if let Err(e) = activity.activity.flush(&activity.db).await {
        tracing::warn!(error = ?e, "final activity flush failed");
    }
    if let Err(e) = activity.views.flush(&activity.db).await {
        tracing::warn!(error = ?e, "final product view flush failed");
    }
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C; in-flight requests then finish before the process exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received");
}
