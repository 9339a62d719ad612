//! Request counters and latency histograms, served at `/metrics` in Prometheus' text
//! format (version 0.0.4). Kept by hand: three metric families do not need a metrics
//! library, and the exact text is tested below.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds. A warm match takes 5-70 ms (README,
/// "resonance_match latency": P99 65.6 ms at 100,000 jobs) and a cold cross-encoder call
/// seconds, so the buckets are fine below 100 ms and coarse up to 10 s.
pub const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// One histogram: counts per bucket (not cumulative; summed when rendered), sum and count.
#[derive(Default, Clone)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if let Some(i) = LATENCY_BUCKETS.iter().position(|&le| seconds <= le) {
            self.buckets[i] += 1;
        }
        self.sum += seconds;
        self.count += 1;
    }
}

#[derive(Default)]
struct Families {
    /// (route, method, status) -> requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route -> request latency.
    latency: BTreeMap<String, Histogram>,
    /// (route, kind) -> failed requests; kind as errors.rs names it.
    errors: BTreeMap<(String, &'static str), u64>,
}

/// What the service has counted since it started.
#[derive(Default)]
pub struct Metrics {
    // One lock per request, held for a few map updates: far below the cost of a match.
    families: Mutex<Families>,
}

/// Connection-pool numbers read when `/metrics` is served.
pub struct PoolGauges {
    pub size: usize,
    pub available: usize,
    pub max_size: usize,
    pub waiting: usize,
}

impl Metrics {
    /// Counts one finished request. `route` is the route's pattern, never the raw path, so
    /// the label set stays small whatever clients send.
    pub fn record(&self, route: &str, method: &str, status: u16, elapsed: Duration, error: Option<&'static str>) {
        let mut f = self.families.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *f.requests.entry((route.to_string(), method.to_string(), status)).or_default() += 1;
        f.latency.entry(route.to_string()).or_default().observe(elapsed.as_secs_f64());
        if let Some(kind) = error {
            *f.errors.entry((route.to_string(), kind)).or_default() += 1;
        }
    }

    /// Every family in Prometheus' text format.
    pub fn render(&self, pool: &PoolGauges) -> String {
        let f = self.families.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out = String::new();
        out.push_str("# HELP resonance_http_requests_total HTTP requests answered, by route, method and status.\n");
        out.push_str("# TYPE resonance_http_requests_total counter\n");
        for ((route, method, status), n) in &f.requests {
            let _ = writeln!(out, "resonance_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}", escape(route), escape(method));
        }
        out.push_str("# HELP resonance_http_request_duration_seconds Time from request to response, by route.\n");
        out.push_str("# TYPE resonance_http_request_duration_seconds histogram\n");
        for (route, h) in &f.latency {
            let route = escape(route);
            let mut cumulative = 0;
            for (le, n) in LATENCY_BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(out, "resonance_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}");
            }
            let _ = writeln!(out, "resonance_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "resonance_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "resonance_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
        }
        out.push_str("# HELP resonance_http_errors_total Failed requests, by route and kind (bad_request, unauthorized, forbidden, not_found, client_timeout, too_large, database_unavailable, timeout, internal).\n");
        out.push_str("# TYPE resonance_http_errors_total counter\n");
        for ((route, kind), n) in &f.errors {
            let _ = writeln!(out, "resonance_http_errors_total{{route=\"{}\",kind=\"{kind}\"}} {n}", escape(route));
        }
        out.push_str("# HELP resonance_http_pool_connections Database connections of the pool, by state.\n");
        out.push_str("# TYPE resonance_http_pool_connections gauge\n");
        for (state, n) in [("open", pool.size), ("idle", pool.available), ("max", pool.max_size)] {
            let _ = writeln!(out, "resonance_http_pool_connections{{state=\"{state}\"}} {n}");
        }
        out.push_str("# HELP resonance_http_pool_waiting Requests waiting for a database connection.\n");
        out.push_str("# TYPE resonance_http_pool_waiting gauge\n");
        let _ = writeln!(out, "resonance_http_pool_waiting {}", pool.waiting);
        out
    }
}

/// A label value with `\`, `"` and newlines escaped, as the text format requires.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_cumulative_buckets_and_errors() {
        let m = Metrics::default();
        m.record("/v2/jobs/match", "POST", 200, Duration::from_millis(20), None);
        m.record("/v2/jobs/match", "POST", 200, Duration::from_millis(200), None);
        m.record("/v2/jobs/match", "POST", 400, Duration::from_micros(300), Some("bad_request"));
        let text = m.render(&PoolGauges { size: 2, available: 1, max_size: 4, waiting: 0 });
        let has = |line: &str| assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        has("resonance_http_requests_total{route=\"/v2/jobs/match\",method=\"POST\",status=\"200\"} 2");
        has("resonance_http_requests_total{route=\"/v2/jobs/match\",method=\"POST\",status=\"400\"} 1");
        has("resonance_http_request_duration_seconds_bucket{route=\"/v2/jobs/match\",le=\"0.001\"} 1");
        has("resonance_http_request_duration_seconds_bucket{route=\"/v2/jobs/match\",le=\"0.025\"} 2");
        has("resonance_http_request_duration_seconds_bucket{route=\"/v2/jobs/match\",le=\"0.25\"} 3");
        has("resonance_http_request_duration_seconds_bucket{route=\"/v2/jobs/match\",le=\"+Inf\"} 3");
        has("resonance_http_request_duration_seconds_count{route=\"/v2/jobs/match\"} 3");
        has("resonance_http_errors_total{route=\"/v2/jobs/match\",kind=\"bad_request\"} 1");
        has("resonance_http_pool_connections{state=\"idle\"} 1");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
