//! A closed-loop HTTP load client for scripts/bench_http.sh: each connection sends one
//! `POST /v2/jobs/match` at a time (keep-alive) for a fixed time, cycling over the given
//! resumes, as `pgbench -c N -T s` does over SQL. Requests in the warm-up are not counted.
//! Prints one line: `requests=N errors=N seconds=S rps=R p50_ms=X p99_ms=Y`, and with
//! `--latencies FILE` writes each counted request's milliseconds there, one per line.
//! `--token` is sent as `Authorization: Bearer <token>`.
//!
//!     load_http --url http://127.0.0.1:8090/v2/jobs/match --connections 4 --seconds 20 \
//!         --resumes <uuid>,<uuid> --options '{"explain": true}' --token rsn_...

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::rt::TokioIo;

/// The command line: `--name value` pairs.
struct Args {
    /// The match URL (http only, as the service serves).
    url: String,
    /// Concurrent connections, each with one request in flight.
    connections: usize,
    /// Measured seconds, after the warm-up.
    seconds: f64,
    /// Seconds of requests before measuring (each pooled backend loads its models once).
    warmup: f64,
    /// Resume ids, used in turn (`--resumes a,b,c`).
    resumes: Vec<String>,
    /// The request's `options` object.
    options: String,
    /// Where to write the counted latencies (ms, one per line), if anywhere.
    latencies: Option<String>,
    /// The bearer token, if the service wants one.
    token: Option<String>,
}

impl Args {
    fn parse() -> Args {
        let mut args = Args { url: String::new(), connections: 4, seconds: 20.0, warmup: 3.0, resumes: Vec::new(), options: "{}".into(), latencies: None, token: None };
        let mut words = std::env::args().skip(1);
        while let Some(flag) = words.next() {
            let value = words.next().unwrap_or_else(|| panic!("{flag} needs a value"));
            let number = |v: &str| v.parse::<f64>().unwrap_or_else(|_| panic!("{flag}: a number, got {v:?}"));
            match flag.as_str() {
                "--url" => args.url = value,
                "--connections" => args.connections = number(&value) as usize,
                "--seconds" => args.seconds = number(&value),
                "--warmup" => args.warmup = number(&value),
                "--resumes" => args.resumes = value.split(',').map(str::to_string).collect(),
                "--options" => args.options = value,
                "--latencies" => args.latencies = Some(value),
                "--token" => args.token = Some(value),
                _ => panic!("unknown flag {flag} (--url, --connections, --seconds, --warmup, --resumes, --options, --latencies, --token)"),
            }
        }
        args
    }
}

/// What one connection measured: latencies in microseconds of the counted requests, and
/// how many counted requests failed (a status other than 200, or a broken connection).
struct Tally {
    latencies_us: Vec<u64>,
    errors: u64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    assert!(!args.resumes.is_empty(), "--resumes: at least one resume id");
    let uri: hyper::Uri = args.url.parse().expect("--url: an http URL");
    let address = format!("{}:{}", uri.host().expect("--url: a host"), uri.port_u16().unwrap_or(80));
    let bodies: Vec<Bytes> = args
        .resumes
        .iter()
        .map(|id| Bytes::from(format!(r#"{{"resume_id": "{id}", "options": {}}}"#, args.options)))
        .collect();
    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(args.warmup);
    let until = measure_from + Duration::from_secs_f64(args.seconds);
    let tasks: Vec<_> = (0..args.connections)
        .map(|c| {
            let target = Target { address: address.clone(), uri: uri.clone(), authorization: args.token.as_ref().map(|t| format!("Bearer {t}")) };
            tokio::spawn(connection(target, bodies.clone(), c, measure_from, until))
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let tally = t.await.expect("a connection task panicked");
        latencies.extend(tally.latencies_us);
        errors += tally.errors;
    }
    latencies.sort_unstable();
    if let Some(path) = &args.latencies {
        let lines: String = latencies.iter().map(|us| format!("{:.3}\n", *us as f64 / 1000.0)).collect();
        std::fs::write(path, lines).expect("--latencies: a writable file");
    }
    let pct = |p: f64| latencies.get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)).map_or(0.0, |&us| us as f64 / 1000.0);
    let counted = latencies.len() as u64 + errors;
    println!(
        "requests={counted} errors={errors} seconds={:.1} rps={:.1} p50_ms={:.2} p99_ms={:.2}",
        args.seconds,
        latencies.len() as f64 / args.seconds,
        pct(0.50),
        pct(0.99)
    );
}

/// Where a connection sends its requests.
struct Target {
    address: String,
    uri: hyper::Uri,
    authorization: Option<String>,
}

/// One keep-alive connection sending requests back to back until `until`.
async fn connection(target: Target, bodies: Vec<Bytes>, offset: usize, measure_from: Instant, until: Instant) -> Tally {
    let Target { address, uri, authorization } = target;
    let mut tally = Tally { latencies_us: Vec::new(), errors: 0 };
    let stream = tokio::net::TcpStream::connect(&address).await.expect("connect to the service");
    stream.set_nodelay(true).expect("TCP_NODELAY");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("HTTP handshake");
    tokio::spawn(conn);
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    let mut k = offset;
    while Instant::now() < until {
        let mut request = Request::post(path.as_str()).header("host", address.as_str()).header("content-type", "application/json");
        if let Some(value) = &authorization {
            request = request.header("authorization", value.as_str());
        }
        let request = request.body(Full::new(bodies[k % bodies.len()].clone())).expect("a request");
        k += 1;
        let sent = Instant::now();
        let ok = match sender.send_request(request).await {
            Ok(response) => {
                let status = response.status();
                // The whole body, as a client would read it.
                response.into_body().collect().await.is_ok() && status == hyper::StatusCode::OK
            }
            Err(_) => false,
        };
        if sent >= measure_from {
            if ok {
                tally.latencies_us.push(sent.elapsed().as_micros() as u64);
            } else {
                tally.errors += 1;
            }
        }
        if !ok && sender.ready().await.is_err() {
            break;
        }
    }
    tally
}
