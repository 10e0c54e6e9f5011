//! A set of equally sized grey-scale images with optional labels, and its held-out split.

/// Images stored row-major, one byte per pixel (`v / 255` in `[0, 1]`).
#[derive(Clone, Debug, PartialEq)]
pub struct ImageSet {
    /// Where the images came from, for messages ("mnist5k", a path).
    pub name: String,
    pub width: usize,
    pub height: usize,
    /// `len() * width * height` bytes.
    pub pixels: Vec<u8>,
    /// One class per image (0..=254), or none for unlabelled sets.
    pub labels: Option<Vec<u8>>,
}

/// Every `HELD_OUT_EVERY`-th image (index `% HELD_OUT_EVERY == HELD_OUT_EVERY - 1`) is held out.
/// Deterministic and class-balanced for files sorted by class, as the embedded subset is.
pub const HELD_OUT_EVERY: usize = 10;

impl ImageSet {
    /// Checks the sizes agree; the error names the set.
    pub fn new(
        name: String,
        width: usize,
        height: usize,
        pixels: Vec<u8>,
        labels: Option<Vec<u8>>,
    ) -> Result<ImageSet, String> {
        if width == 0 || height == 0 {
            return Err(format!("{name}: images of {width}x{height} pixels"));
        }
        if !pixels.len().is_multiple_of(width * height) || pixels.is_empty() {
            return Err(format!(
                "{name}: {} pixel bytes is not a whole, non-zero number of {width}x{height} images",
                pixels.len()
            ));
        }
        let n = pixels.len() / (width * height);
        if let Some(l) = &labels
            && l.len() != n
        {
            return Err(format!("{name}: {} labels for {n} images", l.len()));
        }
        Ok(ImageSet {
            name,
            width,
            height,
            pixels,
            labels,
        })
    }

    pub fn len(&self) -> usize {
        self.pixels.len() / self.dim()
    }

    pub fn is_empty(&self) -> bool {
        self.pixels.is_empty()
    }

    /// Pixels per image (D).
    pub fn dim(&self) -> usize {
        self.width * self.height
    }

    /// Image `i`'s bytes.
    pub fn image(&self, i: usize) -> &[u8] {
        &self.pixels[i * self.dim()..(i + 1) * self.dim()]
    }

    /// Image `i` as floats in `[0, 1]`.
    pub fn image_f32(&self, i: usize) -> Vec<f32> {
        self.image(i).iter().map(|&v| v as f32 / 255.0).collect()
    }

    /// The number of classes (largest label + 1), 0 when unlabelled.
    pub fn classes(&self) -> usize {
        self.labels
            .as_ref()
            .map_or(0, |l| l.iter().map(|&c| c as usize + 1).max().unwrap_or(0))
    }

    fn subset(&self, keep: impl Fn(usize) -> bool, suffix: &str) -> ImageSet {
        let idx: Vec<usize> = (0..self.len()).filter(|&i| keep(i)).collect();
        let pixels = idx.iter().flat_map(|&i| self.image(i)).copied().collect();
        let labels = self
            .labels
            .as_ref()
            .map(|l| idx.iter().map(|&i| l[i]).collect());
        ImageSet {
            name: format!("{}{suffix}", self.name),
            width: self.width,
            height: self.height,
            pixels,
            labels,
        }
    }

    /// (training, held-out): every tenth image is held out. Sets of fewer than
    /// `HELD_OUT_EVERY` images hold out nothing and are an error.
    pub fn split(&self) -> Result<(ImageSet, ImageSet), String> {
        if self.len() < HELD_OUT_EVERY {
            return Err(format!(
                "{}: {} images; at least {HELD_OUT_EVERY} are needed for a held-out split",
                self.name,
                self.len()
            ));
        }
        let held = |i: usize| i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1;
        Ok((
            self.subset(|i| !held(i), " (train)"),
            self.subset(held, " (held out)"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_holds_out_every_tenth_image_with_its_label() {
        let pixels: Vec<u8> = (0..20u8).flat_map(|i| [i, i]).collect();
        let labels: Vec<u8> = (0..20u8).collect();
        let set = ImageSet::new("t".into(), 2, 1, pixels, Some(labels)).expect("valid");
        let (train, held) = set.split().expect("split");
        assert_eq!((train.len(), held.len()), (18, 2));
        assert_eq!(held.labels, Some(vec![9, 19]));
        assert_eq!(held.image(1), &[19, 19]);
        assert_eq!(set.classes(), 20);
    }

    #[test]
    fn sizes_that_disagree_are_errors_naming_the_set() {
        let e = ImageSet::new("x.idx".into(), 2, 2, vec![0; 7], None).expect_err("must be refused");
        assert!(e.contains("x.idx") && e.contains("7"), "{e}");
        let e = ImageSet::new("y".into(), 1, 1, vec![0; 3], Some(vec![1]))
            .expect_err("must be refused");
        assert!(e.contains("1 labels for 3 images"), "{e}");
    }
}
