//! The IDX format of the MNIST files, plain or gzipped.
//!
//! Layout (big-endian): two zero bytes, a type byte (0x08 = unsigned byte), the number of
//! dimensions, then one u32 per dimension, then the data. Images are `idx3` (n, rows, cols),
//! labels `idx1` (n).

use super::dataset::ImageSet;
use std::path::{Path, PathBuf};

/// Reads a file, un-gzipping it when it starts with the gzip magic (0x1f 0x8b).
pub fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>, String> {
    let raw = crate::budget::read_file_capped(path, crate::budget::MAX_DATA_FILE_BYTES)?;
    ungzip_if_needed(&raw).map_err(|e| format!("{}: {e}", path.display()))
}

/// The bytes, un-gzipped when they start with the gzip magic (at most
/// [`crate::budget::MAX_DATA_FILE_BYTES`] unpacked).
pub fn ungzip_if_needed(raw: &[u8]) -> Result<Vec<u8>, String> {
    use crate::budget::{CappedError, MAX_DATA_FILE_BYTES, read_capped};
    if raw.starts_with(&[0x1f, 0x8b]) {
        read_capped(flate2::read::GzDecoder::new(raw), MAX_DATA_FILE_BYTES).map_err(|e| match e {
            CappedError::TooLarge => format!(
                "unpacks to more than the limit of {} MiB",
                MAX_DATA_FILE_BYTES >> 20
            ),
            CappedError::Io(e) => format!("not a valid gzip stream: {e}"),
        })
    } else {
        Ok(raw.to_vec())
    }
}

/// Parses an unsigned-byte IDX file: (dimensions, data). `what` names it in errors.
pub fn parse_idx(bytes: &[u8], what: &str) -> Result<(Vec<usize>, Vec<u8>), String> {
    if bytes.len() < 4 {
        return Err(format!(
            "{what}: {} bytes is too short for an IDX header",
            bytes.len()
        ));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(format!(
            "{what}: wrong magic number {:02x}{:02x}{:02x}{:02x} (IDX files start with 00 00)",
            bytes[0], bytes[1], bytes[2], bytes[3]
        ));
    }
    if bytes[2] != 0x08 {
        return Err(format!(
            "{what}: IDX type 0x{:02x}; only unsigned bytes (0x08) are supported",
            bytes[2]
        ));
    }
    let rank = bytes[3] as usize;
    let header = 4 + 4 * rank;
    if rank == 0 || bytes.len() < header {
        return Err(format!("{what}: truncated IDX header ({rank} dimensions)"));
    }
    let dims: Vec<usize> = (0..rank)
        .map(|d| {
            let b = &bytes[4 + 4 * d..8 + 4 * d];
            u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
        })
        .collect();
    let count: usize = dims.iter().product();
    let data = &bytes[header..];
    if data.len() != count {
        return Err(format!(
            "{what}: the header says {dims:?} = {count} bytes of data, the file has {}",
            data.len()
        ));
    }
    Ok((dims, data.to_vec()))
}

/// Images from `idx3` bytes and optional labels from `idx1` bytes.
pub fn image_set_from_idx(
    name: &str,
    images: &[u8],
    labels: Option<(&[u8], &str)>,
) -> Result<ImageSet, String> {
    let (dims, pixels) = parse_idx(images, name)?;
    if dims.len() != 3 {
        return Err(format!(
            "{name}: an image file has 3 dimensions (n, rows, cols), this one {dims:?}"
        ));
    }
    let labels = match labels {
        None => None,
        Some((bytes, label_name)) => {
            let (ldims, l) = parse_idx(bytes, label_name)?;
            if ldims.len() != 1 || ldims[0] != dims[0] {
                return Err(format!(
                    "{label_name}: {ldims:?} labels for {} images in {name}",
                    dims[0]
                ));
            }
            if let Some(bad) = l.iter().find(|&&c| c == 255) {
                return Err(format!("{label_name}: label {bad} is reserved"));
            }
            Some(l)
        }
    };
    ImageSet::new(name.to_string(), dims[2], dims[1], pixels, labels)
}

/// The labels file beside an images file, by the standard names: `*-images-idx3-ubyte[.gz]`
/// -> `*-labels-idx1-ubyte[.gz]` (also `*-images.idx3-ubyte`).
pub fn sibling_labels(images: &Path) -> Option<PathBuf> {
    let name = images.file_name()?.to_str()?;
    let swapped = name
        .replace("images-idx3", "labels-idx1")
        .replace("images.idx3", "labels.idx1");
    if swapped == name {
        return None;
    }
    let p = images.with_file_name(swapped);
    p.exists().then_some(p)
}

/// Loads an IDX images file and, when it exists beside it, its labels file.
pub fn load_idx(path: &Path) -> Result<ImageSet, String> {
    let images = read_maybe_gzip(path)?;
    let name = path.display().to_string();
    match sibling_labels(path) {
        Some(lp) => {
            let labels = read_maybe_gzip(&lp)?;
            image_set_from_idx(&name, &images, Some((&labels, &lp.display().to_string())))
        }
        None => image_set_from_idx(&name, &images, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx3(n: u32, r: u32, c: u32, data: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, 8, 3];
        for d in [n, r, c] {
            v.extend(d.to_be_bytes());
        }
        v.extend(data);
        v
    }

    #[test]
    fn parses_images_and_labels() {
        let img = idx3(2, 1, 2, &[1, 2, 3, 4]);
        let lab = [0, 0, 8, 1, 0, 0, 0, 2, 7, 3];
        let set = image_set_from_idx("a", &img, Some((&lab, "b"))).expect("valid");
        assert_eq!((set.len(), set.width, set.height), (2, 2, 1));
        assert_eq!(set.labels, Some(vec![7, 3]));
    }

    #[test]
    fn bad_magic_sizes_and_label_counts_are_named() {
        let e = parse_idx(&[0x50, 0x4b, 3, 4, 0], "f.zip").expect_err("must be refused");
        assert!(e.contains("f.zip") && e.contains("magic"), "{e}");
        let e = image_set_from_idx("short", &idx3(2, 2, 2, &[0; 7]), None)
            .expect_err("must be refused");
        assert!(e.contains("8 bytes of data, the file has 7"), "{e}");
        let lab = [0, 0, 8, 1, 0, 0, 0, 1, 7];
        let e = image_set_from_idx("i", &idx3(2, 1, 1, &[0; 2]), Some((&lab, "l")))
            .expect_err("must be refused");
        assert!(e.starts_with("l:") && e.contains("2 images"), "{e}");
        let e = image_set_from_idx("one", &[0, 0, 8, 1, 0, 0, 0, 1, 5], None)
            .expect_err("must be refused");
        assert!(e.contains("3 dimensions"), "{e}");
    }
}
