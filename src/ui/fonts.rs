//! Fonts: egui's default (Ubuntu Light) with DejaVu Sans behind it as a fallback for the
//! mathematical symbols of the lecture captions and labels (∇, subscripts, arrows), which Ubuntu
//! Light lacks. DejaVu Sans ships under the Bitstream Vera licence
//! (`assets/fonts/DejaVuSans-Licence.txt`).

/// DejaVu Sans, embedded.
const MATH_FALLBACK: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Adds the fallback font to both families (once per context).
pub fn install(ctx: &egui::Context) {
    use egui::epaint::text::{FontInsert, FontPriority, InsertFontFamily};
    let families = [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
        .into_iter()
        .map(|family| InsertFontFamily {
            family,
            priority: FontPriority::Lowest,
        })
        .collect();
    ctx.add_font(FontInsert::new(
        "dejavu-sans",
        egui::FontData::from_static(MATH_FALLBACK),
        families,
    ));
}
