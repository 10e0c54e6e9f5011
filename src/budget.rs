//! Resource budgets: the one place that says how much memory and work a request may imply, and
//! reads files with a size cap. Every request is checked here before anything is allocated, and
//! a refusal names the setting and the limit.
//!
//! The limits keep every run of the program inside about 1 GiB and a few minutes on a laptop;
//! each is far above what a lecture or a comparison run needs.

use std::io::Read;
use std::path::Path;

/// Sampler steps in one run (all levels together): a plan holds one entry per distinct step.
pub const MAX_SAMPLER_STEPS: u64 = 1_000_000;
/// Particles in one sampler run.
pub const MAX_PARTICLES: u64 = 2_000_000;
/// Particle-steps (particles × steps) in one headless run: minutes of work at most.
pub const MAX_PARTICLE_STEPS: u64 = 2_000_000_000;
/// Stored trajectory values (particles × recorded frames).
pub const MAX_TRAJECTORY_POINTS: u64 = 50_000_000;
/// GIF frames × pixels held while encoding.
pub const MAX_GIF_PIXELS: u64 = 400_000_000;
/// Pixels of a picture of images (a sample grid or a noise ladder, at its scale).
pub const MAX_IMAGE_PIXELS: u64 = 200_000_000;
/// Training steps in one headless run.
pub const MAX_TRAIN_STEPS: u64 = 100_000_000;
/// Activations of one training batch: batch × the widest layer (× the tangents).
pub const MAX_BATCH_ACTIVATIONS: u64 = 20_000_000;
/// Parameters of a 2D score network (64 MiB of f32).
pub const MAX_NETWORK_PARAMETERS: u64 = 16_000_000;
/// Size of a JSON or CSV input file (sessions with weights, models, points, mixtures).
pub const MAX_TEXT_FILE_BYTES: u64 = 512 << 20;
/// Size of a playlist file.
pub const MAX_PLAYLIST_BYTES: u64 = 1 << 20;
/// Decompressed size of an image data file (IDX), and of a checkpoint.
pub const MAX_DATA_FILE_BYTES: u64 = 1 << 30;

/// `value` of `setting` must be at most `limit`.
pub fn check_at_most(setting: &str, value: u64, limit: u64) -> Result<(), String> {
    if value <= limit {
        Ok(())
    } else {
        Err(format!("{setting} ({value}) is over the limit of {limit}"))
    }
}

/// The product of several settings (named together in `settings`, e.g. "--particles × --steps")
/// must be at most `limit`; computed without overflow.
pub fn check_product(settings: &str, factors: &[u64], limit: u64) -> Result<(), String> {
    let product = factors
        .iter()
        .try_fold(1u64, |acc, f| acc.checked_mul(*f))
        .unwrap_or(u64::MAX);
    if product <= limit {
        Ok(())
    } else {
        Err(format!(
            "{settings} = {} is over the limit of {limit}",
            if product == u64::MAX {
                "more than 2^64".to_string()
            } else {
                product.to_string()
            }
        ))
    }
}

/// The machine's cores (at least 1).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A requested thread count, capped at the machine's cores (more threads than cores only slow
/// the work down).
pub fn effective_threads(requested: usize) -> usize {
    requested.clamp(1, cores())
}

/// Reads at most `limit` bytes of `path`; a larger file (or an endless one, such as a device) is
/// an error naming the file and the limit.
pub fn read_file_capped(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    if let Ok(meta) = file.metadata()
        && meta.is_file()
        && meta.len() > limit
    {
        return Err(too_large(&name.to_string(), limit));
    }
    read_capped(file, limit).map_err(|e| match e {
        CappedError::TooLarge => too_large(&name.to_string(), limit),
        CappedError::Io(e) => format!("{name}: cannot read: {e}"),
    })
}

/// Why [`read_capped`] stopped.
#[derive(Debug)]
pub enum CappedError {
    TooLarge,
    Io(std::io::Error),
}

/// Reads a stream to its end, at most `limit` bytes (for decompressed data: a small archive can
/// unpack to gigabytes).
pub fn read_capped(reader: impl Read, limit: u64) -> Result<Vec<u8>, CappedError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(CappedError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(CappedError::TooLarge);
    }
    Ok(bytes)
}

fn too_large(name: &str, limit: u64) -> String {
    format!("{name}: larger than the limit of {} MiB", limit >> 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_overflow_into_a_refusal() {
        assert!(check_product("a × b", &[1000, 1000], 1_000_000).is_ok());
        let e = check_product("a × b", &[1000, 1001], 1_000_000).expect_err("over");
        assert_eq!(e, "a × b = 1001000 is over the limit of 1000000");
        let e = check_product("a × b", &[u64::MAX, 2], 10).expect_err("overflow");
        assert!(e.contains("more than 2^64"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn endless_files_are_cut_at_the_limit() {
        let e = read_file_capped(Path::new("/dev/zero"), 1 << 20).expect_err("endless");
        assert_eq!(e, "/dev/zero: larger than the limit of 1 MiB");
    }

    #[test]
    fn decompression_is_capped() {
        let data = vec![7u8; 5000];
        assert!(read_capped(&data[..], 5000).is_ok());
        assert!(matches!(
            read_capped(&data[..], 4999),
            Err(CappedError::TooLarge)
        ));
    }
}
