use std::time::Instant;
fn main() {
    let bytes = std::fs::read("fixtures/corpus/fiches/09-fiche-micro-atelier-ville-de-saint-etienne.xlsx").unwrap();
    let l = fiches::fiche::Limits::default();
    let n: usize = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let t = Instant::now();
    for _ in 0..n { std::hint::black_box(fiches::fiche::sheet::read_xlsx(&bytes, &l).unwrap()); }
    println!("read_xlsx {:.1} us", t.elapsed().as_secs_f64()*1e6/n as f64);
    let grids = fiches::fiche::sheet::read_xlsx(&bytes, &l).unwrap();
    let t = Instant::now();
    for _ in 0..n { std::hint::black_box(fiches::fiche::form::interpret(&grids, "x.xlsx").unwrap()); }
    println!("interpret {:.1} us", t.elapsed().as_secs_f64()*1e6/n as f64);
}
