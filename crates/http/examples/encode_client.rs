//! resonance_encode from Rust: tokio-postgres reads the vector(384) as pgvector's `Vector`,
//! and passes one back as a query parameter. The README quotes this file and its output;
//! scripts/test_http.sh runs it against the test cluster and checks what it prints.
//!
//!     cargo run --release -p resonance-http --example encode_client -- \
//!         "host=/tmp port=55432 user=postgres dbname=resonance_demo"

use pgvector::Vector;
use tokio_postgres::NoTls;

#[tokio::main]
async fn main() -> Result<(), tokio_postgres::Error> {
    let url = std::env::args().nth(1).unwrap_or_else(|| "host=/tmp port=55432 user=postgres dbname=resonance_demo".into());
    let (client, connection) = tokio_postgres::connect(&url, NoTls).await?;
    tokio::spawn(connection);

    let row = client.query_one("SELECT resonance_encode($1)", &[&"This is an example sentence"]).await?;
    let embedding: Vector = row.get(0);
    let values = embedding.as_slice();
    let norm = values.iter().map(|x| x * x).sum::<f32>().sqrt();
    println!("dims {} norm {:.6} starts {:.4?}", values.len(), norm, &values[..5]);

    // A Vector is a parameter too: the jobs nearest to a text, through the HNSW index.
    let query: Vector = client.query_one("SELECT resonance_encode('Senior Python developer')", &[]).await?.get(0);
    let nearest = client
        .query(
            "SELECT title, 1 - (embedding <=> $1) AS cosine FROM resonance.jobs ORDER BY embedding <=> $1 LIMIT 3",
            &[&query],
        )
        .await?;
    for row in nearest {
        println!("{:.3}  {}", row.get::<_, f64>("cosine"), row.get::<_, String>("title"));
    }
    Ok(())
}
