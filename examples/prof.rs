//! Profiling aid: parse one file N times (callgrind/perf); FLOOR=1 runs the
//! calamine floor instead (open the workbook, read every sheet).

// A benchmark or tool, not the program: a panic is its report.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use calamine::Reader;

fn main() {
    let path = std::env::args().nth(1).expect("file");
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let floor = std::env::var("FLOOR").is_ok();
    let bytes = std::fs::read(&path).expect("read");
    let t = std::time::Instant::now();
    for _ in 0..n {
        if floor {
            let mut wb: calamine::Xlsx<_> =
                calamine::Xlsx::new(std::io::Cursor::new(&bytes)).expect("open");
            for name in wb.sheet_names() {
                std::hint::black_box(
                    wb.worksheet_range(&name)
                        .expect("sheet")
                        .used_cells()
                        .count(),
                );
            }
        } else {
            std::hint::black_box(fiches::fiche::parse(&bytes, &path).ok());
        }
    }
    println!("{:.1} us", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
