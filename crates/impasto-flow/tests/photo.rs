//! DIS on crops panned and zoomed across a real photograph (`../shared/images/
//! tubingen.jpg`; skipped with a printed reason where the folder is absent).

mod common;

use impasto_flow::{DisConfig, FlowField};

#[test]
fn dis_follows_a_pan_and_a_zoom_across_a_photo() {
    let Some(photo) = common::photo("tubingen.jpg") else {
        return;
    };
    for (name, sequence, limit) in [
        (
            "pan (2.1, -1.3)",
            common::photo_pan(&photo, 96, [2.1, -1.3]),
            EPE_PAN,
        ),
        ("zoom 1.04", common::photo_zoom(&photo, 96, 1.04), EPE_ZOOM),
    ] {
        let zero = sequence.epe(&FlowField::zeros(96, 96));
        let epe = sequence.epe(
            &DisConfig::default()
                .compute(&sequence.first, &sequence.second)
                .unwrap(),
        );
        println!("tubingen 96 px {name}: EPE {epe:.4} (zero flow {zero:.3})");
        assert!(epe < limit, "{name}: EPE {epe}");
    }
}

// About twice the measured EPE (pan 0.150 px, zoom 0.203 px; zero flow 2.5 and 1.4 px).
// Real texture is weaker than the synthetic one (sky, water), hence larger errors.
const EPE_PAN: f64 = 0.3;
const EPE_ZOOM: f64 = 0.4;
