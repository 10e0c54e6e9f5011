//! Where the image data comes from: `mnist5k` (embedded), `idx:PATH`, `pngdir:PATH`.

use super::dataset::ImageSet;
use super::idx::{image_set_from_idx, load_idx, ungzip_if_needed};
use super::png_dir::load_png_dir;
use std::path::PathBuf;

/// The 5,000-image MNIST subset (500 per digit, sorted by digit), gzipped IDX.
/// MNIST: Yann LeCun and Corinna Cortes, CC BY-SA 3.0.
const MNIST5K_IMAGES: &[u8] = include_bytes!("../../assets/mnist5k/mnist5k-images-idx3-ubyte.gz");
const MNIST5K_LABELS: &[u8] = include_bytes!("../../assets/mnist5k/mnist5k-labels-idx1-ubyte.gz");

/// PNG folders are resized to MNIST's size.
pub const PNG_SIDE: usize = 28;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum DatasetSource {
    Mnist5k,
    Idx(PathBuf),
    PngDir(PathBuf),
}

impl DatasetSource {
    /// `mnist5k`, `idx:PATH` or `pngdir:PATH`.
    pub fn parse(s: &str) -> Result<DatasetSource, String> {
        if s == "mnist5k" {
            Ok(DatasetSource::Mnist5k)
        } else if let Some(p) = s.strip_prefix("idx:") {
            Ok(DatasetSource::Idx(PathBuf::from(p)))
        } else if let Some(p) = s.strip_prefix("pngdir:") {
            Ok(DatasetSource::PngDir(PathBuf::from(p)))
        } else {
            Err(format!(
                "unknown data set '{s}': use mnist5k, idx:PATH (an idx3 images file) or pngdir:PATH"
            ))
        }
    }

    pub fn label(&self) -> String {
        match self {
            DatasetSource::Mnist5k => "mnist5k".into(),
            DatasetSource::Idx(p) => format!("idx:{}", p.display()),
            DatasetSource::PngDir(p) => format!("pngdir:{}", p.display()),
        }
    }

    pub fn load(&self) -> Result<ImageSet, String> {
        match self {
            DatasetSource::Mnist5k => load_mnist5k(),
            DatasetSource::Idx(p) => load_idx(p),
            DatasetSource::PngDir(p) => load_png_dir(p, PNG_SIDE, PNG_SIDE),
        }
    }
}

/// The embedded default data set.
pub fn load_mnist5k() -> Result<ImageSet, String> {
    let images = ungzip_if_needed(MNIST5K_IMAGES)?;
    let labels = ungzip_if_needed(MNIST5K_LABELS)?;
    image_set_from_idx("mnist5k", &images, Some((&labels, "mnist5k labels")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_subset_has_500_of_each_digit() {
        let set = load_mnist5k().expect("embedded data");
        assert_eq!(
            (set.len(), set.width, set.height, set.classes()),
            (5000, 28, 28, 10)
        );
        let labels = set.labels.as_ref().expect("labelled");
        for d in 0..10u8 {
            assert_eq!(labels.iter().filter(|&&c| c == d).count(), 500);
        }
        let (train, held) = set.split().expect("split");
        assert_eq!((train.len(), held.len()), (4500, 500));
        let mean = set.pixels.iter().map(|&v| v as f64).sum::<f64>() / set.pixels.len() as f64;
        assert!((20.0..50.0).contains(&mean), "mean pixel {mean}");
    }

    #[test]
    fn sources_parse_and_unknown_ones_are_explained() {
        assert_eq!(DatasetSource::parse("mnist5k"), Ok(DatasetSource::Mnist5k));
        assert_eq!(
            DatasetSource::parse("idx:/a/b"),
            Ok(DatasetSource::Idx("/a/b".into()))
        );
        assert!(
            DatasetSource::parse("cifar")
                .expect_err("must be refused")
                .contains("cifar")
        );
    }
}
