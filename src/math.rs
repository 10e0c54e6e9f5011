//! The mathematics every formula of the crate cites as `MATH §N`: the text lives in
//! `src/math.md` beside this file, and `cargo doc` renders it here.
#![doc = include_str!("math.md")]
