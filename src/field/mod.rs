//! Fields on grids for a view box: the reference field (`grid`) and its contour lines
//! (`contour`).

pub mod contour;
pub mod grid;

pub use contour::contour_lines;
pub use grid::FieldGrid;
