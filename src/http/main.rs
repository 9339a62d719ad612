//! Starts resonance-http: settings from the environment (config.rs), a connection pool,
//! the routes, and a graceful stop on SIGTERM or SIGINT.

use std::sync::Arc;

use resonance_http::config::ServiceConfig;
use resonance_http::metrics::Metrics;
use resonance_http::routes::{router, AppState};

#[tokio::main]
async fn main() {
    let config = match ServiceConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("resonance-http: {e}");
            std::process::exit(2);
        }
    };
    // One line per request at info, with its id (middleware.rs).
    tracing_subscriber::fmt().with_max_level(config.log_level).with_ansi(false).init();
    let pool = resonance_http::db::pool(&config);
    let state = AppState { pool: pool.clone(), metrics: Arc::new(Metrics::default()) };
    let listener = match tokio::net::TcpListener::bind(config.bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("resonance-http: cannot listen on {}: {e}", config.bind);
            std::process::exit(2);
        }
    };
    tracing::info!(bind = %config.bind, pool_size = config.pool_size, "listening");
    let served = axum::serve(listener, router(state)).with_graceful_shutdown(stop_signal()).await;
    // In-flight requests have been answered; close the database connections.
    pool.close();
    match served {
        Ok(()) => tracing::info!("stopped"),
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            std::process::exit(1);
        }
    }
}

/// Resolves on SIGTERM (an orchestrator's stop) or SIGINT (Ctrl-C). axum then stops
/// accepting, lets requests in flight finish, and `serve` returns.
async fn stop_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: finishing requests in flight, then stopping"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: finishing requests in flight, then stopping"),
    }
}
