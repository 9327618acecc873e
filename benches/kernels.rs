//! Criterion benches built from the same case table as `nrkit bench`
//! ([`nrkit::bench::CASES`]): one group per kernel, one bench per item, ids
//! `<kernel>/<isa>/<params>`. Plans and buffers are made by the case builders, outside the
//! timed loop; every ISA this CPU has runs side by side. Cases marked "only when named"
//! (long references) and cases whose device is missing are skipped.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nrkit::bench::{Setup, CASES};
use nrkit::dsp::Isa;

fn all(c: &mut Criterion) {
    let setup = Setup {
        isas: Isa::available(),
        named: false,
    };
    for case in CASES.iter().filter(|c| !c.only_when_named) {
        let items = match (case.build)(&setup) {
            Ok(v) => v,
            Err(e) => panic!("{}: {e}", case.name),
        };
        if items.is_empty() {
            continue;
        }
        let mut g = c.benchmark_group(case.name);
        for mut item in items {
            g.throughput(Throughput::Elements(item.work as u64));
            let id = item.id();
            g.bench_function(id, |b| b.iter(|| (item.op)().expect("bench operation")));
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = all
}
criterion_main!(benches);
