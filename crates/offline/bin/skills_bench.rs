//! Speed of the skill engine on a taxonomy of the size the real one will have (~45,000 names):
//! extractor build time and memory, extraction time per ~2,000-character resume, graph build,
//! `related` and the skill-graph score. One metric per line.
//!
//! Usage: cargo build --release -p resonance-offline --bin skills_bench && target/release/skills_bench [skill_count]
//! (skill_count defaults to 45000)
//! Names are generated deterministically from word lists (1-5 words, a third with an alias),
//! plus ~80 real technology names with symbols ("C++", "Node.js", "CI/CD") and short
//! ambiguous ones ("Go", "R"). Edges: 4 per skill to pseudo-random others, mixed relations.

use std::collections::HashSet;
use std::time::Instant;

use clap::Parser;

use resonance_engine::skills::{
    distinct_skills, skill_graph_score, AmbiguityRules, JobSkill, Relation, ScoreParams, SkillEdge, SkillEntry,
    SkillExtractor, SkillGraph, SkillId,
};

#[rustfmt::skip]
const QUALIFIERS: &[&str] = &[
    "advanced", "applied", "basic", "clinical", "cloud", "commercial", "computational", "corporate", "digital",
    "distributed", "environmental", "financial", "industrial", "international", "legal", "mobile", "operational",
    "organic", "pediatric", "quantitative", "regulatory", "remote", "retail", "social", "statistical", "strategic",
    "structural", "technical", "visual", "wholesale", "agile", "automated", "behavioral", "chemical", "civil",
    "electrical", "embedded", "forensic", "geospatial", "hydraulic",
];
#[rustfmt::skip]
const DOMAINS: &[&str] = &[
    "accounting", "advertising", "aviation", "banking", "biology", "budget", "catering", "compliance",
    "construction", "content", "contract", "customer", "data", "database", "design", "energy", "engineering",
    "event", "facility", "fleet", "food", "freight", "game", "grant", "health", "hotel", "insurance", "inventory",
    "investment", "laboratory", "logistics", "machine", "maintenance", "marketing", "media", "network", "nursing",
    "payroll", "pharmacy", "portfolio", "procurement", "product", "project", "property", "quality", "risk",
    "safety", "sales", "security", "software", "supply chain", "tax", "teaching", "test", "traffic", "training",
    "vendor", "warehouse", "web", "workforce",
];
#[rustfmt::skip]
const ACTIVITIES: &[&str] = &[
    "analysis", "architecture", "assessment", "auditing", "automation", "budgeting", "coaching", "coordination",
    "development", "documentation", "estimation", "evaluation", "forecasting", "governance", "inspection",
    "installation", "integration", "management", "modeling", "monitoring", "negotiation", "operations",
    "optimization", "planning", "policy", "programming", "reporting", "research", "review", "scheduling",
    "strategy", "supervision", "support", "testing", "troubleshooting", "administration", "consulting", "design",
    "learning", "writing",
];
/// Real names with the tricky tokens, each "name|alias|alias".
#[rustfmt::skip]
const TECH: &[&str] = &[
    "Python|py", "Java", "JavaScript|JS", "TypeScript|TS", "C++|cpp", "C#|csharp", "C", ".NET|dotnet", "ASP.NET",
    "Node.js|NodeJS", "React|React.js|ReactJS", "Vue.js|Vue", "Angular", "Go|Golang", "R", "Rust", "Swift",
    "Kotlin", "Scala", "Ruby", "Ruby on Rails|Rails", "PHP", "Perl", "SQL", "PL/SQL", "T-SQL",
    "PostgreSQL|Postgres", "MySQL", "MongoDB|Mongo", "Redis", "Kafka|Apache Kafka", "Spark|Apache Spark", "Hadoop",
    "Airflow", "Docker", "Kubernetes|k8s", "Terraform", "Ansible", "AWS|Amazon Web Services", "Azure", "GCP|Google
    Cloud", "CI/CD", "Jenkins", "Git", "GitHub Actions", "Linux", "Bash", "PowerShell", "Excel|Microsoft Excel",
    "Tableau", "Power BI", "Spring|Spring Framework", "Spring Boot", "Django", "Flask", "FastAPI", "Pandas",
    "NumPy", "scikit-learn|sklearn", "TensorFlow", "PyTorch", "machine learning|ML", "deep learning", "natural
    language processing|NLP", "computer vision", "data science", "REST|RESTful APIs", "GraphQL", "gRPC",
    "microservices", "HTML|HTML5", "CSS|CSS3", "Sass", "Figma", "Jira", "Agile", "Scrum", "Elasticsearch",
    "Snowflake", "dbt", "Looker",
];

/// A small deterministic generator (64-bit LCG, Knuth's constants), so runs are comparable.
struct Lcg(u64);

impl Lcg {
    /// A number in 0..n.
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }

    /// One word from `list`.
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

/// `count` distinct skills: the real names first, then generated 1-5 word names.
fn taxonomy(count: usize) -> Vec<SkillEntry> {
    let mut entries: Vec<SkillEntry> = TECH
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut parts = line.split('|').map(str::to_string);
            let name = parts.next().unwrap_or_default();
            SkillEntry { skill: SkillId(i as u32), name, aliases: parts.collect() }
        })
        .collect();
    let mut seen: HashSet<String> = entries.iter().map(|e| e.name.to_lowercase()).collect();
    let mut rng = Lcg(42);
    while entries.len() < count {
        let name = generated_name(&mut rng);
        if !seen.insert(name.clone()) {
            continue;
        }
        let mut aliases = Vec::new();
        if rng.below(3) == 0 {
            aliases.push(alias_of(&name));
        }
        entries.push(SkillEntry { skill: SkillId(entries.len() as u32), name, aliases });
    }
    entries
}

/// A name like "financial risk modeling", "warehouse scheduling", "testing".
fn generated_name(rng: &mut Lcg) -> String {
    match rng.below(10) {
        0 => rng.pick(ACTIVITIES).to_string(),
        1..=3 => format!("{} {}", rng.pick(DOMAINS), rng.pick(ACTIVITIES)),
        4..=7 => format!("{} {} {}", rng.pick(QUALIFIERS), rng.pick(DOMAINS), rng.pick(ACTIVITIES)),
        8 => format!(
            "{} {} {} and {}",
            rng.pick(QUALIFIERS),
            rng.pick(DOMAINS),
            rng.pick(ACTIVITIES),
            rng.pick(ACTIVITIES)
        ),
        _ => format!("{} of {} {} systems", rng.pick(ACTIVITIES), rng.pick(QUALIFIERS), rng.pick(DOMAINS)),
    }
}

/// "risk modeling" -> "modeling of risk"; one-word names get "<name> skills".
fn alias_of(name: &str) -> String {
    match name.rsplit_once(' ') {
        Some((head, last)) => format!("{last} of {head}"),
        None => format!("{name} skills"),
    }
}

/// A ~2,000-character resume with real and generated skills, symbols, casing and Unicode.
const RESUME: &str = "Jürgen Müller — Senior Software Engineer, München\n\
Summary: Backend engineer with 9 years of experience building distributed systems and data platforms. \
Led financial risk modeling and statistical data analysis for a retail banking group; moved batch \
reporting to streaming with Kafka and Spark. Mentored 6 engineers, ran agile project planning and \
vendor negotiation with cloud providers.\n\
Skills: Python, Go, Java, C++, C#, .NET, Node.js, TypeScript, SQL, PL/SQL, PostgreSQL, Redis, R, Rust.\n\
Tools: Docker, Kubernetes (k8s), Terraform, Ansible, Jenkins, GitHub Actions, CI/CD, AWS, GCP, Linux, Bash.\n\
Experience\n\
2019–2024  FinCorp AG — Lead Engineer. Designed microservices in Go and Python (FastAPI, Django); \
REST and gRPC APIs; ASP.NET migration for the payments team; PostgreSQL tuning and T-SQL reporting. \
Built machine learning pipelines (scikit-learn, PyTorch) for fraud detection; deep learning for \
document OCR and natural language processing of contracts. Owned quality assurance, test automation, \
software testing and security monitoring. Introduced Scrum, Jira and data governance.\n\
2015–2019  Logistik GmbH — Software Developer. Warehouse scheduling, inventory forecasting and fleet \
optimization with Python3 and Pandas; supply chain planning dashboards in Tableau and Power BI; Excel \
models for budget estimation. Node.js services on AWS; React and Vue.js front ends with HTML5/CSS3.\n\
2013–2015  Startup — Junior Developer. Ruby on Rails, PHP and MySQL; go-to-market analytics; C-level \
reporting; R&D prototypes in C and Rust. I love to go hiking and to rust-proof old bikes.\n\
Education: M.Sc. Computer Science (computational statistics, operations research).\n\
Languages: German, English. Interests: chess, Go (the board game), cycling.";

/// `count` edges per skill to pseudo-random other skills, relations mixed, weights in (0, 1].
fn edges(skill_count: usize, per_skill: usize) -> Vec<SkillEdge> {
    let mut rng = Lcg(7);
    let relations = [Relation::RelatedTo, Relation::RelatedTo, Relation::Requires, Relation::PartOf];
    let mut out = Vec::with_capacity(skill_count * per_skill);
    for a in 0..skill_count {
        for _ in 0..per_skill {
            let b = rng.below(skill_count);
            if b != a {
                let weight = (1 + rng.below(100)) as f32 / 100.0;
                out.push(SkillEdge {
                    source: SkillId(a as u32),
                    target: SkillId(b as u32),
                    relation: relations[rng.below(4)],
                    weight,
                });
            }
        }
    }
    out
}

/// CPU time this thread has used, in ms (Linux schedstat; NaN elsewhere). The machine is shared,
/// so wall time alone can include waiting for a core.
fn thread_cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    stat.split_whitespace().next().and_then(|ns| ns.parse::<f64>().ok()).map_or(f64::NAN, |ns| ns / 1e6)
}

/// The value at fraction `p` of sorted samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Microseconds per call of `f`: p50 and p99 over `runs` calls after 20 warm-up calls.
fn time_us(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    for _ in 0..20 {
        f();
    }
    let mut us: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    us.sort_by(f64::total_cmp);
    (percentile(&us, 0.5), percentile(&us, 0.99))
}

/// The command line.
#[derive(Parser, Debug)]
#[command(name = "skills_bench", about = "Speed of the skill engine on a generated taxonomy")]
struct Args {
    /// Skill names to generate (the real taxonomy's size)
    #[arg(value_name = "SKILL_COUNT", default_value_t = 45_000)]
    count: usize,
}

fn main() {
    let count = Args::parse().count;
    let entries = taxonomy(count);
    let alias_count: usize = entries.iter().map(|e| e.aliases.len()).sum();
    println!("skills={}", entries.len());
    println!("aliases={alias_count}");

    let (t, cpu) = (Instant::now(), thread_cpu_ms());
    let extractor = SkillExtractor::new(&entries, &AmbiguityRules::default()).expect("build extractor");
    println!("extractor_build_ms={:.1}", t.elapsed().as_secs_f64() * 1e3);
    println!("extractor_build_cpu_ms={:.1}", thread_cpu_ms() - cpu);
    println!("extractor_forms={}", extractor.form_count());
    println!("extractor_shared_forms={}", extractor.shared_form_count());
    println!("extractor_automaton_mb={:.1}", extractor.automaton_bytes() as f64 / 1e6);

    let t = Instant::now();
    let found = extractor.extract(RESUME);
    println!("extract_first_call_us={:.1}", t.elapsed().as_secs_f64() * 1e6);
    let skills = distinct_skills(&found);
    println!("resume_chars={}", RESUME.chars().count());
    println!("resume_matches={}", found.len());
    println!("resume_distinct_skills={}", skills.len());
    let surfaces: Vec<&str> = found.iter().map(|m| m.surface.as_str()).collect();
    println!("resume_surfaces={}", surfaces.join(" | "));
    let (p50, p99) = time_us(1000, || {
        std::hint::black_box(extractor.extract(std::hint::black_box(RESUME)));
    });
    println!("extract_p50_us={p50:.1}");
    println!("extract_p99_us={p99:.1}");

    let edge_list = edges(entries.len(), 4);
    let (t, cpu) = (Instant::now(), thread_cpu_ms());
    let graph = SkillGraph::new(entries.len(), &edge_list).expect("build graph");
    println!("graph_edges={}", edge_list.len());
    println!("graph_build_ms={:.1}", t.elapsed().as_secs_f64() * 1e3);
    println!("graph_build_cpu_ms={:.1}", thread_cpu_ms() - cpu);
    for depth in [2, 3] {
        let (p50, p99) = time_us(200, || {
            std::hint::black_box(graph.related(SkillId(0), depth, 10).unwrap());
        });
        println!("related_depth{depth}_top10_p50_us={p50:.1}");
        println!("related_depth{depth}_top10_p99_us={p99:.1}");
    }

    let job: Vec<JobSkill> =
        (0..15).map(|i| JobSkill { skill: SkillId(i * 37 % entries.len() as u32), importance: 1.0 }).collect();
    let params = ScoreParams::default();
    let (p50, p99) = time_us(200, || {
        std::hint::black_box(skill_graph_score(&graph, &skills, &job, &params).unwrap());
    });
    let s = skill_graph_score(&graph, &skills, &job, &params).unwrap();
    println!(
        "score_value={:.3} matched={} related={} missing={}",
        s.score.unwrap_or(f32::NAN),
        s.matched.len(),
        s.related.len(),
        s.missing.len()
    );
    println!("score_{}resume_x_{}job_p50_us={p50:.1}", skills.len(), job.len());
    println!("score_{}resume_x_{}job_p99_us={p99:.1}", skills.len(), job.len());
}
