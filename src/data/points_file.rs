//! Point files: CSV with two numeric columns `x,y`, an optional header line, `#` comments.
//! Errors name the file and the line.

use crate::geom::Point;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum PointsFileError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: line {line}: {message}")]
    Bad {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: holds no points")]
    Empty { path: String },
}

pub fn load_points_csv(path: &Path) -> Result<Vec<Point>, PointsFileError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| PointsFileError::Io {
        path: name.clone(),
        source,
    })?;
    parse_points_csv(&bytes, &name)
}

/// Parses point CSV text; `name` labels errors.
pub fn parse_points_csv(bytes: &[u8], name: &str) -> Result<Vec<Point>, PointsFileError> {
    let bad = |line: usize, message: String| PointsFileError::Bad {
        path: name.to_string(),
        line,
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        bad(line, "is not UTF-8 text".to_string())
    })?;
    let mut points = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() < 2 {
            return Err(bad(
                line_no,
                format!("expected two columns x,y, found {}", fields.len()),
            ));
        }
        match (fields[0].parse::<f64>(), fields[1].parse::<f64>()) {
            (Ok(x), Ok(y)) if x.is_finite() && y.is_finite() => points.push(Point::new(x, y)),
            (Ok(_), Ok(_)) => return Err(bad(line_no, "has a non-finite value".to_string())),
            _ if points.is_empty() && line_no == first_content_line(text) => {} // header
            _ => {
                return Err(bad(
                    line_no,
                    format!("'{}' is not a pair of numbers", truncate(line, 60)),
                ));
            }
        }
    }
    if points.is_empty() {
        return Err(PointsFileError::Empty {
            path: name.to_string(),
        });
    }
    Ok(points)
}

fn first_content_line(text: &str) -> usize {
    text.lines()
        .position(|l| !l.trim().is_empty() && !l.trim().starts_with('#'))
        .map_or(0, |i| i + 1)
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_comments_and_values() {
        let pts = parse_points_csv(b"# made by hand\nx,y\n1,2\n 3.5 , -4\n", "p.csv")
            .expect("valid points");
        assert_eq!(pts, vec![Point::new(1.0, 2.0), Point::new(3.5, -4.0)]);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse_points_csv(b"x,y\n1,2\n3,abc\n", "p.csv").expect_err("text in data");
        assert_eq!(
            e.to_string(),
            "p.csv: line 3: '3,abc' is not a pair of numbers"
        );
        let e = parse_points_csv(b"1,2\n3\n", "p.csv").expect_err("one column");
        assert!(
            e.to_string()
                .starts_with("p.csv: line 2: expected two columns")
        );
        let e = parse_points_csv(b"1,NaN\n", "p.csv").expect_err("nan");
        assert_eq!(e.to_string(), "p.csv: line 1: has a non-finite value");
        let e = parse_points_csv(b"x,y\n", "p.csv").expect_err("empty");
        assert_eq!(e.to_string(), "p.csv: holds no points");
        let e = parse_points_csv(b"1,2\n\xff\xfe\n", "p.csv").expect_err("binary");
        assert_eq!(e.to_string(), "p.csv: line 2: is not UTF-8 text");
    }
}
