//! A small digit classifier, trained here on the MNIST subset's training split, that turns a
//! batch of generated images into quality numbers (MATH §6).
//!
//! Network: `p(y | x) = softmax(W2 relu(W1 x + b1) + b2)`, `x` the 784 pixels in `[0, 1]`,
//! 128 hidden units, 10 classes. Trained by [`DigitClassifier::train`] with minibatch SGD and
//! momentum on the cross-entropy `-log p(y | x)`; the weights shipped in
//! `assets/digit_classifier.bin` come from `scorefield images classifier --out
//! assets/digit_classifier.bin` (seed 0) and are embedded in the binary.
//!
//! Quality of a batch `x_1 .. x_n` ([`quality`]):
//! - the inception-style score `IS = exp( (1/n) sum_i KL(p(y | x_i) || p_hat(y)) )`, with
//!   `p_hat(y) = (1/n) sum_i p(y | x_i)`: 1 when every image gets the same prediction (or the
//!   predictions are all uniform), up to 10 when every image is confidently one digit and the
//!   ten digits are equally frequent;
//! - the label entropy `H(p_hat)` in nats (ln 10 = 2.30 for balanced classes), and the mean
//!   confidence `max_y p(y | x_i)`.

use super::ImageSet;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_distr::{Distribution, Normal};

/// Pixels per image (28 x 28).
pub const PIXELS: usize = 784;
pub const HIDDEN: usize = 128;
pub const CLASSES: usize = 10;
const MAGIC: &[u8; 8] = b"SFDIGIT1";
const PARAMETERS: usize = HIDDEN * PIXELS + HIDDEN + CLASSES * HIDDEN + CLASSES;

/// The embedded classifier's score on mnist5k's 500 held-out digits (`scorefield images
/// classifier` prints it; `tests/quality.rs` holds this constant to the measured value).
pub const REAL_DIGITS_SCORE: f64 = 9.40;
/// Its score on those digits plus N(0, 0.3^2) pixel noise: the bar for "recognisable digits".
pub const NOISY_DIGITS_SCORE: f64 = 7.96;
/// Its score on uniform noise in [0, 1] (same command, same test).
pub const NOISE_SCORE: f64 = 1.55;

/// The embedded classifier's weights.
const EMBEDDED: &[u8] = include_bytes!("../../assets/digit_classifier.bin");

#[derive(Clone, Debug, PartialEq)]
pub struct DigitClassifier {
    /// `HIDDEN x PIXELS`, row-major.
    w1: Vec<f32>,
    b1: Vec<f32>,
    /// `CLASSES x HIDDEN`, row-major.
    w2: Vec<f32>,
    b2: Vec<f32>,
}

/// Training settings: epochs over the training split, minibatch, SGD step and momentum.
#[derive(Clone, Copy, Debug)]
pub struct ClassifierTraining {
    pub epochs: usize,
    pub batch: usize,
    pub lr: f32,
    pub momentum: f32,
    pub seed: u64,
}

impl Default for ClassifierTraining {
    fn default() -> Self {
        ClassifierTraining {
            epochs: 20,
            batch: 32,
            lr: 0.05,
            momentum: 0.9,
            seed: 0,
        }
    }
}

/// The quality numbers of a batch of images (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
pub struct Quality {
    pub inception_score: f64,
    /// `H(p_hat)` in nats.
    pub label_entropy: f64,
    pub mean_confidence: f64,
    /// How many images the classifier assigns to each digit.
    pub counts: [usize; CLASSES],
    /// The digit it assigns to each image, in order.
    pub labels: Vec<u32>,
}

impl Quality {
    /// The fraction of the batch assigned to `class` (0 for a class that is not a digit).
    pub fn share_of(&self, class: u32) -> f64 {
        let n = self.counts.iter().sum::<usize>().max(1);
        self.counts.get(class as usize).copied().unwrap_or(0) as f64 / n as f64
    }

    /// The fraction of images assigned the class they were asked for, `asked[i]` for image `i`.
    pub fn share_matching(&self, asked: &[u32]) -> f64 {
        let hits = self
            .labels
            .iter()
            .zip(asked)
            .filter(|(a, b)| a == b)
            .count();
        hits as f64 / self.labels.len().max(1) as f64
    }
}

impl DigitClassifier {
    /// The classifier shipped with scorefield, read from the embedded bytes once per process.
    pub fn embedded() -> Result<&'static DigitClassifier, String> {
        static SHARED: std::sync::OnceLock<Result<DigitClassifier, String>> =
            std::sync::OnceLock::new();
        SHARED
            .get_or_init(|| DigitClassifier::from_bytes(EMBEDDED, "the embedded digit classifier"))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// `p(y | x)` for one image of 784 values in `[0, 1]`.
    pub fn probabilities(&self, x: &[f32]) -> [f64; CLASSES] {
        let h = self.hidden(x);
        let mut z = [0.0f64; CLASSES];
        for (c, zc) in z.iter_mut().enumerate() {
            let row = &self.w2[c * HIDDEN..(c + 1) * HIDDEN];
            *zc = self.b2[c] as f64 + dot(row, &h) as f64;
        }
        softmax(z)
    }

    /// `relu(W1 x + b1)`.
    fn hidden(&self, x: &[f32]) -> Vec<f32> {
        (0..HIDDEN)
            .map(|j| (self.b1[j] + dot(&self.w1[j * PIXELS..(j + 1) * PIXELS], x)).max(0.0))
            .collect()
    }

    /// The most probable digit.
    pub fn predict(&self, x: &[f32]) -> usize {
        let p = self.probabilities(x);
        (0..CLASSES)
            .max_by(|&a, &b| p[a].total_cmp(&p[b]))
            .unwrap_or(0)
    }

    /// The fraction of `set`'s labelled images classified as their label.
    pub fn accuracy(&self, set: &ImageSet) -> Result<f64, String> {
        let labels = labelled(set)?;
        let right = (0..set.len())
            .filter(|&i| self.predict(&set.image_f32(i)) == labels[i] as usize)
            .count();
        Ok(right as f64 / set.len() as f64)
    }

    /// Trains from a seeded start on `set` (labelled 28 x 28 digits).
    pub fn train(set: &ImageSet, t: ClassifierTraining) -> Result<DigitClassifier, String> {
        let labels = labelled(set)?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(t.seed);
        let mut net = DigitClassifier::initial(&mut rng);
        let mut velocity = vec![0.0f32; PARAMETERS];
        let images: Vec<Vec<f32>> = (0..set.len()).map(|i| set.image_f32(i)).collect();
        let mut order: Vec<usize> = (0..set.len()).collect();
        for _ in 0..t.epochs {
            order.shuffle(&mut rng);
            for batch in order.chunks(t.batch.max(1)) {
                let mut grad = vec![0.0f32; PARAMETERS];
                for &i in batch {
                    net.accumulate_gradient(&images[i], labels[i] as usize, &mut grad);
                }
                let scale = t.lr / batch.len() as f32;
                net.apply(&grad, &mut velocity, scale, t.momentum);
            }
        }
        Ok(net)
    }

    /// He-normal weights, zero biases.
    fn initial(rng: &mut rand::rngs::StdRng) -> DigitClassifier {
        let mut draw = |n: usize, fan_in: usize| -> Vec<f32> {
            let normal = Normal::new(0.0f32, (2.0 / fan_in as f32).sqrt()).expect("valid");
            (0..n).map(|_| normal.sample(rng)).collect()
        };
        DigitClassifier {
            w1: draw(HIDDEN * PIXELS, PIXELS),
            b1: vec![0.0; HIDDEN],
            w2: draw(CLASSES * HIDDEN, HIDDEN),
            b2: vec![0.0; CLASSES],
        }
    }

    /// Adds the gradient of `-log p(label | x)` to `grad` (laid out as [`Self::parameters`]).
    /// With `p = softmax(z)`: `dz = p - onehot(label)`, `dW2 = dz h^T`, `db2 = dz`,
    /// `dh = W2^T dz` masked where `h = 0`, `dW1 = dh x^T`, `db1 = dh`.
    fn accumulate_gradient(&self, x: &[f32], label: usize, grad: &mut [f32]) {
        let h = self.hidden(x);
        let mut dz = self.probabilities(x).map(|p| p as f32);
        dz[label] -= 1.0;
        let (g_w1, rest) = grad.split_at_mut(HIDDEN * PIXELS);
        let (g_b1, rest) = rest.split_at_mut(HIDDEN);
        let (g_w2, g_b2) = rest.split_at_mut(CLASSES * HIDDEN);
        let mut dh = vec![0.0f32; HIDDEN];
        for c in 0..CLASSES {
            g_b2[c] += dz[c];
            let row = &self.w2[c * HIDDEN..(c + 1) * HIDDEN];
            for j in 0..HIDDEN {
                g_w2[c * HIDDEN + j] += dz[c] * h[j];
                dh[j] += row[j] * dz[c];
            }
        }
        for j in 0..HIDDEN {
            if h[j] <= 0.0 {
                continue;
            }
            g_b1[j] += dh[j];
            let row = &mut g_w1[j * PIXELS..(j + 1) * PIXELS];
            for (g, &xi) in row.iter_mut().zip(x) {
                *g += dh[j] * xi;
            }
        }
    }

    /// SGD with momentum: `v <- mu v + g`, `theta <- theta - scale v`.
    fn apply(&mut self, grad: &[f32], velocity: &mut [f32], scale: f32, mu: f32) {
        let mut at = 0;
        for part in [&mut self.w1, &mut self.b1, &mut self.w2, &mut self.b2] {
            for p in part.iter_mut() {
                velocity[at] = mu * velocity[at] + grad[at];
                *p -= scale * velocity[at];
                at += 1;
            }
        }
    }

    /// `SFDIGIT1`, then the parameters `W1, b1, W2, b2` as little-endian f32.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        for part in [&self.w1, &self.b1, &self.w2, &self.b2] {
            for v in part.iter() {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out
    }

    /// Parses [`Self::to_bytes`]' format; `name` appears in every error.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<DigitClassifier, String> {
        if bytes.len() != 8 + 4 * PARAMETERS || &bytes[..8] != MAGIC {
            return Err(format!(
                "{name}: not a digit classifier ({} bytes; SFDIGIT1 and {PARAMETERS} f32 expected)",
                bytes.len()
            ));
        }
        let v: Vec<f32> = bytes[8..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if v.iter().any(|x| !x.is_finite()) {
            return Err(format!("{name}: a weight is not finite"));
        }
        let (w1, rest) = v.split_at(HIDDEN * PIXELS);
        let (b1, rest) = rest.split_at(HIDDEN);
        let (w2, b2) = rest.split_at(CLASSES * HIDDEN);
        Ok(DigitClassifier {
            w1: w1.to_vec(),
            b1: b1.to_vec(),
            w2: w2.to_vec(),
            b2: b2.to_vec(),
        })
    }
}

/// The quality numbers of `images` (784 values per image, `[0, 1]`; values outside are
/// clamped, as the grid shows them).
pub fn quality(c: &DigitClassifier, images: &[f32]) -> Result<Quality, String> {
    if images.is_empty() || !images.len().is_multiple_of(PIXELS) {
        return Err(format!(
            "{} values is not a whole, non-zero number of 28 x 28 images",
            images.len()
        ));
    }
    let probs: Vec<[f64; CLASSES]> = images
        .chunks_exact(PIXELS)
        .map(|x| {
            let x: Vec<f32> = x.iter().map(|v| v.clamp(0.0, 1.0)).collect();
            c.probabilities(&x)
        })
        .collect();
    let n = probs.len() as f64;
    let mut marginal = [0.0f64; CLASSES];
    let mut counts = [0usize; CLASSES];
    let mut labels = Vec::with_capacity(probs.len());
    let mut confidence = 0.0;
    for p in &probs {
        for y in 0..CLASSES {
            marginal[y] += p[y] / n;
        }
        let top = (0..CLASSES)
            .max_by(|&a, &b| p[a].total_cmp(&p[b]))
            .unwrap_or(0);
        counts[top] += 1;
        labels.push(top as u32);
        confidence += p[top] / n;
    }
    let kl = probs
        .iter()
        .map(|p| kl_divergence(p, &marginal))
        .sum::<f64>()
        / n;
    Ok(Quality {
        labels,
        inception_score: kl.exp(),
        label_entropy: -marginal
            .iter()
            .filter(|&&q| q > 0.0)
            .map(|q| q * q.ln())
            .sum::<f64>(),
        mean_confidence: confidence,
        counts,
    })
}

/// `KL(p || q) = sum p ln(p / q)` (terms with `p = 0` are 0).
fn kl_divergence(p: &[f64; CLASSES], q: &[f64; CLASSES]) -> f64 {
    p.iter()
        .zip(q)
        .filter(|(a, _)| **a > 0.0)
        .map(|(a, b)| a * (a / b.max(f64::MIN_POSITIVE)).ln())
        .sum()
}

fn softmax(z: [f64; CLASSES]) -> [f64; CLASSES] {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e = z.map(|v| (v - m).exp());
    let s: f64 = e.iter().sum();
    e.map(|v| v / s)
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn labelled(set: &ImageSet) -> Result<&[u8], String> {
    if set.width * set.height != PIXELS {
        return Err(format!(
            "{}: the digit classifier reads 28 x 28 images, not {}x{}",
            set.name, set.width, set.height
        ));
    }
    match &set.labels {
        Some(l) if l.iter().all(|&c| (c as usize) < CLASSES) => Ok(l),
        _ => Err(format!(
            "{}: the classifier needs digit labels 0-9",
            set.name
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The backward pass against central differences of the loss, at entries of every tensor.
    #[test]
    fn the_gradient_matches_finite_differences() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut net = DigitClassifier::initial(&mut rng);
        // Biases away from zero so that some hidden units are active and some are not.
        net.b1
            .iter_mut()
            .enumerate()
            .for_each(|(j, b)| *b = 0.1 * (j % 3) as f32 - 0.1);
        let x: Vec<f32> = (0..PIXELS)
            .map(|i| ((i * 37) % 101) as f32 / 101.0)
            .collect();
        let label = 4;
        let loss = |n: &DigitClassifier| -n.probabilities(&x)[label].ln();
        let mut grad = vec![0.0f32; PARAMETERS];
        net.accumulate_gradient(&x, label, &mut grad);
        let h = net.hidden(&x);
        let active = (0..HIDDEN).find(|&j| h[j] > 0.05).expect("an active unit");
        let offsets = [
            active * PIXELS + 300,
            HIDDEN * PIXELS + active,
            HIDDEN * PIXELS + HIDDEN + 2 * HIDDEN + active,
            PARAMETERS - 3,
        ];
        for at in offsets {
            let eps = 1e-2f32;
            let shifted = |d: f32| {
                let mut n = net.clone();
                let mut flat: Vec<&mut f32> = [&mut n.w1, &mut n.b1, &mut n.w2, &mut n.b2]
                    .into_iter()
                    .flat_map(|p| p.iter_mut())
                    .collect();
                *flat[at] += d;
                loss(&n)
            };
            let numeric = (shifted(eps) - shifted(-eps)) / (2.0 * eps as f64);
            let analytic = grad[at] as f64;
            assert!(
                (numeric - analytic).abs() <= 2e-3 * (1.0 + numeric.abs()),
                "parameter {at}: numeric {numeric}, backward {analytic}"
            );
        }
    }
}
