//! The accept loop: hyper's HTTP/1 connections with a header read timeout, and a stop that
//! drains for a bounded time.
//!
//! Not `axum::serve`: in axum 0.8 it gives hyper no timer, so hyper's
//! `header_read_timeout` is off and a client that trickles its headers holds a connection
//! (and blocks a graceful stop) for as long as it likes. hyper-util's `auto` builder has no
//! timer while it sniffs the HTTP version either; the service speaks HTTP/1.1 only, so
//! hyper's own HTTP/1 builder serves each connection, and hyper-util's `GracefulShutdown`
//! tells them all to finish.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};

/// How a stop ended.
#[derive(Debug, PartialEq)]
pub enum Stopped {
    /// Every connection finished its request and closed within the drain deadline.
    Drained,
    /// The deadline passed with connections still open; they are dropped with the process.
    DeadlinePassed,
}

/// Serves `app` on `listener` until `stop` resolves; then stops accepting, asks every
/// connection to close after its request in flight, and waits up to `drain` for them.
pub async fn serve(listener: TcpListener, app: Router, header_read_timeout: Duration, drain: Duration, stop: impl Future<Output = ()>) -> Stopped {
    let mut http = http1::Builder::new();
    // The timer makes hyper enforce header_read_timeout: from the first byte a connection
    // may send (or the end of the previous response) to the end of the request's headers.
    http.timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => { accept_failed(e).await; continue; }
            },
            () = &mut stop => break,
        };
        serve_connection(&http, &graceful, stream, app.clone());
    }
    drop(listener);
    tracing::info!(connections = graceful.count(), drain_ms = drain.as_millis() as u64, "stopped accepting; draining");
    match tokio::time::timeout(drain, graceful.shutdown()).await {
        Ok(()) => Stopped::Drained,
        Err(_) => Stopped::DeadlinePassed,
    }
}

fn serve_connection(http: &http1::Builder, graceful: &GracefulShutdown, stream: TcpStream, app: Router) {
    let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    let connection = graceful.watch(connection);
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            // A header read timeout (also an idle keep-alive connection's end, so not worth
            // more than debug), a client that went away, a malformed request: the
            // connection is closed and nothing else is affected.
            tracing::debug!(error = %e, timeout = e.is_timeout(), "connection ended with an error");
        }
    });
}

/// An accept error: one connection's (reset before it was taken) is skipped; any other
/// (out of file descriptors) is waited out, as a busy loop would only burn the CPU.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        tracing::error!(error = %e, "accept failed; retrying in 1 s");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
