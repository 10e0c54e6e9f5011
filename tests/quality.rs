//! The digit classifier behind the image trainer's quality numbers (MATH §6): the embedded
//! weights' held-out accuracy, the calibration of the numbers on real digits, noisy digits and
//! noise, their extremes, and bad weight files.

use scorefield::images::classifier::{
    DigitClassifier, NOISE_SCORE, PIXELS, REAL_DIGITS_SCORE, quality,
};
use scorefield::images::source::load_mnist5k;

fn held_out() -> scorefield::images::ImageSet {
    load_mnist5k().expect("mnist5k").split().expect("split").1
}

#[test]
fn the_embedded_classifier_reads_held_out_digits() {
    let c = DigitClassifier::embedded().expect("embedded");
    let acc = c.accuracy(&held_out()).expect("accuracy");
    assert!(acc >= 0.95, "held-out accuracy {acc}");
}

#[test]
fn the_quality_numbers_separate_digits_from_noise() {
    let c = DigitClassifier::embedded().expect("embedded");
    let held = held_out();
    let real: Vec<f32> = (0..held.len()).flat_map(|i| held.image_f32(i)).collect();
    let q = quality(c, &real).expect("quality");
    // The constant the panel prints beside a sample grid is the measured value.
    assert!(
        (q.inception_score - REAL_DIGITS_SCORE).abs() < 0.01,
        "real digits: {q:?}"
    );
    assert!(
        (q.label_entropy - 10f64.ln()).abs() < 0.02,
        "balanced: {q:?}"
    );
    // Uniform noise in [0, 1] (a fixed hash, no RNG needed): a few classes, low score.
    let noise: Vec<f32> = (0..real.len() as u64)
        .map(|i| (scorefield::noise::mix64(i) >> 40) as f32 / (1u64 << 24) as f32)
        .collect();
    let n = quality(c, &noise).expect("quality");
    assert!(
        (n.inception_score - NOISE_SCORE).abs() < 0.2,
        "noise: {n:?}"
    );
    assert!(q.inception_score > 3.0 * n.inception_score);
    // One image repeated: every prediction equals the mean, KL 0, score exactly 1.
    let same: Vec<f32> = real[..PIXELS].repeat(20);
    let s = quality(c, &same).expect("quality");
    assert!((s.inception_score - 1.0).abs() < 1e-9, "{s:?}");
    assert_eq!(s.counts.iter().sum::<usize>(), 20);
    assert!(
        quality(c, &real[..PIXELS + 1]).is_err(),
        "a partial image is refused"
    );
}

#[test]
fn weights_round_trip_and_bad_files_are_refused_by_name() {
    let c = DigitClassifier::embedded().expect("embedded");
    let bytes = c.to_bytes();
    assert_eq!(&DigitClassifier::from_bytes(&bytes, "w").expect("back"), c);
    let e = DigitClassifier::from_bytes(&bytes[..100], "cut.bin").expect_err("cut");
    assert!(e.contains("cut.bin"), "{e}");
    let mut nan = bytes.clone();
    nan[8..12].copy_from_slice(&f32::NAN.to_le_bytes());
    let e = DigitClassifier::from_bytes(&nan, "nan.bin").expect_err("nan");
    assert!(e.contains("nan.bin") && e.contains("finite"), "{e}");
}
