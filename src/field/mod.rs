//! Fields on grids for a view box: the reference field (`grid`), its contour lines
//! (`contour`) and the field CSV (`csv`).

pub mod contour;
pub mod csv;
pub mod grid;

pub use contour::contour_lines;
pub use csv::FieldColumns;
pub use grid::FieldGrid;
