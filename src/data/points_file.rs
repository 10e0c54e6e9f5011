//! Point files: CSV with two numeric columns `x,y`, an optional header line, `#` comments.
//! Errors name the file and the line.
//!
//! A header is recognised only when none of its fields is a number (after a byte-order mark is
//! stripped), so a file without one keeps its first row. More than two columns are accepted only
//! under a header that names two of them `x` and `y` (as the samples files of `sample` do);
//! otherwise, and for any row that does not parse, the file is refused with its line.

use crate::geom::{MAX_COORDINATE, Point};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum PointsFileError {
    #[error("{path}: line {line}: {message}")]
    Bad {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: holds no points")]
    Empty { path: String },
    /// Unreadable or over the size limit (the message names the file).
    #[error("{0}")]
    Read(String),
}

pub fn load_points_csv(path: &Path) -> Result<Vec<Point>, PointsFileError> {
    let name = path.display().to_string();
    let bytes = crate::budget::read_file_capped(path, crate::budget::MAX_TEXT_FILE_BYTES)
        .map_err(PointsFileError::Read)?;
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
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut points = Vec::new();
    let mut columns: Option<Columns> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let cols = match columns {
            Some(c) => c,
            None => {
                let c = Columns::from_first_line(&fields).map_err(|m| bad(line_no, m))?;
                columns = Some(c);
                if c.header {
                    continue;
                }
                c
            }
        };
        if fields.len() != cols.count {
            return Err(bad(
                line_no,
                format!("expected {} columns, found {}", cols.count, fields.len()),
            ));
        }
        match (fields[cols.x].parse::<f64>(), fields[cols.y].parse::<f64>()) {
            (Ok(x), Ok(y)) if x.abs() <= MAX_COORDINATE && y.abs() <= MAX_COORDINATE => {
                points.push(Point::new(x, y))
            }
            (Ok(x), Ok(y)) if x.is_finite() && y.is_finite() => {
                return Err(bad(
                    line_no,
                    format!("has a coordinate beyond ±{MAX_COORDINATE:e}"),
                ));
            }
            (Ok(_), Ok(_)) => return Err(bad(line_no, "has a non-finite value".to_string())),
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

/// Where `x` and `y` are in each row, and how many fields a row has.
#[derive(Clone, Copy, Debug)]
struct Columns {
    x: usize,
    y: usize,
    count: usize,
    /// Whether the first content line was a header (and not data).
    header: bool,
}

impl Columns {
    /// From the first line that is not blank or a comment. A header is a line none of whose
    /// fields is a number; then two fields are `x,y`, and more are allowed only when two of
    /// them are named `x` and `y`. Without a header a row has exactly two numbers.
    fn from_first_line(fields: &[&str]) -> Result<Columns, String> {
        let numbers = fields.iter().filter(|f| f.parse::<f64>().is_ok()).count();
        if numbers == fields.len() {
            return if fields.len() == 2 {
                Ok(Columns {
                    x: 0,
                    y: 1,
                    count: 2,
                    header: false,
                })
            } else {
                Err(format!("expected two columns x,y, found {}", fields.len()))
            };
        }
        if numbers > 0 {
            return Err(format!(
                "'{}' mixes numbers and names: neither a header nor a pair of numbers",
                truncate(&fields.join(","), 60)
            ));
        }
        if fields.len() == 2 {
            return Ok(Columns {
                x: 0,
                y: 1,
                count: 2,
                header: true,
            });
        }
        let find = |name: &str| fields.iter().position(|f| f.eq_ignore_ascii_case(name));
        match (find("x"), find("y")) {
            (Some(x), Some(y)) => Ok(Columns {
                x,
                y,
                count: fields.len(),
                header: true,
            }),
            _ => Err(format!(
                "a header of {} columns must name two of them x and y",
                fields.len()
            )),
        }
    }
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
    fn headers_are_names_and_extra_columns_need_them() {
        // No header: the first row is data, also after a byte-order mark.
        let pts = parse_points_csv(b"1,2\n3,4\n", "p.csv").expect("no header");
        assert_eq!(pts.len(), 2);
        let pts = parse_points_csv("\u{feff}1,2\n3,4\n".as_bytes(), "p.csv").expect("bom");
        assert_eq!(pts, vec![Point::new(1.0, 2.0), Point::new(3.0, 4.0)]);
        let pts = parse_points_csv("\u{feff}x,y\n3,4\n".as_bytes(), "p.csv").expect("bom header");
        assert_eq!(pts, vec![Point::new(3.0, 4.0)]);
        // Named columns pick x and y from wider rows.
        let pts = parse_points_csv(b"particle,y,x,diverged\n0,2,1,0\n", "p.csv").expect("named");
        assert_eq!(pts, vec![Point::new(1.0, 2.0)]);
        let e = parse_points_csv(b"1,2,3\n", "p.csv").expect_err("three numbers");
        assert_eq!(
            e.to_string(),
            "p.csv: line 1: expected two columns x,y, found 3"
        );
        let e = parse_points_csv(b"a,b,c\n1,2,3\n", "p.csv").expect_err("unnamed");
        assert!(
            e.to_string().contains("must name two of them x and y"),
            "{e}"
        );
        let e = parse_points_csv(b"x,y\n1,2,3\n", "p.csv").expect_err("extra");
        assert_eq!(e.to_string(), "p.csv: line 2: expected 2 columns, found 3");
        let e = parse_points_csv(b"1,abc\n", "p.csv").expect_err("mixed");
        assert!(e.to_string().contains("mixes numbers and names"), "{e}");
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse_points_csv(b"x,y\n1,2\n3,abc\n", "p.csv").expect_err("text in data");
        assert_eq!(
            e.to_string(),
            "p.csv: line 3: '3,abc' is not a pair of numbers"
        );
        let e = parse_points_csv(b"1,2\n3\n", "p.csv").expect_err("one column");
        assert_eq!(e.to_string(), "p.csv: line 2: expected 2 columns, found 1");
        let e = parse_points_csv(b"1,NaN\n", "p.csv").expect_err("nan");
        assert_eq!(e.to_string(), "p.csv: line 1: has a non-finite value");
        let e = parse_points_csv(b"x,y\n", "p.csv").expect_err("empty");
        assert_eq!(e.to_string(), "p.csv: holds no points");
        let e = parse_points_csv(b"1,2\n\xff\xfe\n", "p.csv").expect_err("binary");
        assert_eq!(e.to_string(), "p.csv: line 2: is not UTF-8 text");
    }
}
