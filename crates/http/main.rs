//! Starts resonance-http: settings from the environment (config.rs), the tokens file, a
//! connection pool, the routes, and a stop on SIGTERM or SIGINT that drains for a bounded
//! time (server.rs). `resonance-http hash-token <role>` makes a token instead.

use std::sync::Arc;

use clap::{Parser, Subcommand};
use resonance_http::auth::Authenticator;
use resonance_http::config::{ConfigError, ServiceConfig};
use resonance_http::metrics::Metrics;
use resonance_http::routes::{router, AppState};
use resonance_http::server::{serve, Stopped};

/// Resonance's HTTP API. Settings come from RESONANCE_HTTP_* environment variables
/// (README, "HTTP: resonance-http").
#[derive(Parser)]
#[command(name = "resonance-http", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (what runs without a subcommand).
    Serve,
    /// Make a bearer token for ROLE: prints the line for RESONANCE_HTTP_TOKENS_FILE on
    /// stdout (append it: `>> tokens`) and the token itself once on stderr; only its hash
    /// is kept.
    HashToken {
        /// The Postgres role the token's requests run as (its name as in pg_roles).
        role: String,
    },
}

fn main() {
    match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::Serve => run_service(),
        Command::HashToken { role } => hash_token(&role),
    }
}

fn hash_token(role: &str) {
    match resonance_http::tokens::new_token(role) {
        Ok((token, line)) => {
            println!("{line}");
            eprintln!("token for role {role} (give it to the caller; it is not stored and not shown again): {token}");
        }
        Err(e) => fail(&ConfigError(format!("hash-token: {e}"))),
    }
}

fn fail(e: &ConfigError) -> ! {
    eprintln!("resonance-http: {e}");
    std::process::exit(2);
}

#[tokio::main]
async fn run_service() {
    let config = ServiceConfig::from_env().unwrap_or_else(|e| fail(&e));
    let auth = Authenticator::from_setting(&config.auth, config.metrics_public).unwrap_or_else(|e| fail(&e));
    // One line per request at info, with its id (middleware.rs).
    tracing_subscriber::fmt().with_max_level(config.log_level).with_ansi(false).init();
    let pool = resonance_http::db::pool(&config);
    let state = AppState { pool: pool.clone(), metrics: Arc::new(Metrics::default()), auth: Arc::new(auth), timeouts: config.timeouts.clone() };
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .unwrap_or_else(|e| fail(&ConfigError(format!("cannot listen on {}: {e}", config.bind))));
    let authentication = if config.auth == resonance_http::config::AuthSetting::Open { "none" } else { "token" };
    tracing::info!(bind = %config.bind, pool_size = config.pool_size, authentication, "listening");
    let t = &config.timeouts;
    match serve(listener, router(state), t.header_read, t.drain, stop_signal()).await {
        Stopped::Drained => {}
        Stopped::DeadlinePassed => tracing::warn!(drain_ms = t.drain.as_millis() as u64, "drain deadline passed: closing the connections still open"),
    }
    // No request is answered any more; close the database connections.
    pool.close();
    tracing::info!("stopped");
}

/// Resolves on SIGTERM (an orchestrator's stop) or SIGINT (Ctrl-C).
async fn stop_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: finishing requests in flight, then stopping"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: finishing requests in flight, then stopping"),
    }
}
