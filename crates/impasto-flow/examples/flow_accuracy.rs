//! Accuracy and speed of the flow methods on sequences with exact flow: a procedural
//! texture (always) and crops of a shared photograph (`../shared/images/tubingen.jpg`,
//! skipped with a message where absent), panned and zoomed, at 256 and 512 px.
//!
//! ```text
//! cargo run --release -p impasto-flow --example flow_accuracy [SIZES...]
//! ```
//!
//! Prints, per sequence and method, the average end-point error (px, on pixels whose
//! content stays in frame) and the median milliseconds per frame pair over 3 runs.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use common::Sequence;
use impasto_flow::{DisConfig, FlowError, FlowField, VariationalFlowConfig};

type Method = (
    &'static str,
    Box<dyn Fn(&Sequence) -> Result<FlowField, FlowError>>,
);

fn main() -> Result<(), FlowError> {
    let sizes: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![256, 512]
    } else {
        sizes
    };
    let dis = |name, config: DisConfig| -> Method {
        (
            name,
            Box::new(move |s: &Sequence| config.compute(&s.first, &s.second)),
        )
    };
    let methods: Vec<Method> = vec![
        dis("DIS ultrafast", DisConfig::ultrafast()),
        dis("DIS fast", DisConfig::fast()),
        dis("DIS medium (default)", DisConfig::medium()),
        dis("DIS fine", DisConfig::fine()),
        (
            "variational baseline",
            Box::new(|s: &Sequence| VariationalFlowConfig::default().compute(&s.first, &s.second)),
        ),
        (
            "zero flow",
            Box::new(|s: &Sequence| Ok(FlowField::zeros(s.flow.width(), s.flow.height()))),
        ),
    ];
    let photo = common::photo("tubingen.jpg");
    println!("| sequence | size | method | EPE (px) | ms / pair |");
    println!("|---|---|---|---|---|");
    for &size in &sizes {
        let k = size as f32 / 512.0;
        let mut sequences = vec![
            (
                "texture pan",
                common::shifted(size, size, [5.3 * k + 0.2, -2.7 * k - 0.1]),
            ),
            ("texture zoom 1.04", common::zoomed(size, size, 1.04)),
        ];
        if let Some(photo) = &photo {
            sequences.push((
                "tubingen pan",
                common::photo_pan(photo, size, [5.3 * k + 0.2, -2.7 * k - 0.1]),
            ));
            sequences.push(("tubingen zoom 1.04", common::photo_zoom(photo, size, 1.04)));
        }
        for (name, sequence) in &sequences {
            for (method, run) in &methods {
                let mut times = Vec::new();
                let mut flow = None;
                for _ in 0..3 {
                    let start = Instant::now();
                    flow = Some(run(sequence)?);
                    times.push(start.elapsed().as_secs_f64() * 1e3);
                }
                times.sort_by(f64::total_cmp);
                let epe = sequence.epe(&flow.expect("three runs"));
                println!(
                    "| {name} | {size} | {method} | {epe:.3} | {:.1} |",
                    times[1]
                );
            }
        }
    }
    Ok(())
}
