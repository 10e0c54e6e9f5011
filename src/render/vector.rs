//! Vector figures that look the same on any machine: the SVG that plotters writes is read back
//! with the shipped font (usvg) and written out again with every glyph as a path; the PDF is
//! drawn from the same tree (svg2pdf) with the font subset-embedded as selectable text.
//!
//! Heatmaps travel as one embedded PNG each: the figure code draws a placeholder rectangle of
//! [`HEAT_MARKER`] colour over the plotting area, and [`embed_heat_images`] swaps each one, in
//! document order, for an `<image>` of the same box.

use base64::Engine;
use std::sync::{Arc, OnceLock};
use svg2pdf::usvg;

/// The figures' font (DejaVu Sans, as in matplotlib's defaults): Greek, maths operators (∇, ≤)
/// and subscripts, so labels need no fallback.
pub static FIGURE_FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family name [`FIGURE_FONT`] declares.
const FIGURE_FAMILY: &str = "DejaVu Sans";

/// The fill of the placeholder rectangle a heatmap's image replaces (no scene colour uses it).
pub const HEAT_MARKER: (u8, u8, u8) = (1, 254, 3);

/// The font database of vector output: the shipped font only, as every generic family.
fn fontdb() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(FIGURE_FONT.to_vec());
        db.set_sans_serif_family(FIGURE_FAMILY);
        db.set_serif_family(FIGURE_FAMILY);
        db.set_monospace_family(FIGURE_FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// An RGB image as a `data:` URL of a PNG.
fn png_data_url(rgb: &[u8], width: u32, height: u32) -> Result<String, String> {
    let image = image::RgbImage::from_raw(width, height, rgb.to_vec())
        .ok_or_else(|| format!("heatmap image: {} bytes for {width}x{height}", rgb.len()))?;
    let mut png = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageFormat::Png)
        .map_err(|e| format!("heatmap image: {e}"))?;
    Ok(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png.get_ref())
    ))
}

/// The value of attribute `name` in one element's text (`name="value"`).
fn attribute<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = element.find(&key)? + key.len();
    let len = element[start..].find('"')?;
    Some(&element[start..start + len])
}

/// Replaces the placeholder rectangles in `svg`, in document order, by the heatmap images that
/// `image(width, height)` draws at each box's size in pixels. Errors if the counts differ.
pub fn embed_heat_images(
    svg: &str,
    mut image: impl FnMut(usize, u32, u32) -> Result<Vec<u8>, String>,
    expected: usize,
) -> Result<String, String> {
    let (r, g, b) = HEAT_MARKER;
    let fill = format!("fill=\"#{r:02X}{g:02X}{b:02X}\"");
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    let mut index = 0;
    while let Some(at) = rest.find(&fill) {
        let open = rest[..at]
            .rfind("<rect")
            .ok_or("heatmap placeholder outside a rectangle")?;
        let close = at
            + rest[at..]
                .find("/>")
                .ok_or("unclosed heatmap placeholder")?
            + 2;
        let element = &rest[open..close];
        let number = |name: &str| -> Result<f64, String> {
            attribute(element, name)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("heatmap placeholder without {name}"))
        };
        let (x, y) = (number("x")?, number("y")?);
        let (w, h) = (number("width")?.round(), number("height")?.round());
        let (pw, ph) = (w.max(1.0) as u32, h.max(1.0) as u32);
        let url = png_data_url(&image(index, pw, ph)?, pw, ph)?;
        out.push_str(&rest[..open]);
        out.push_str(&format!(
            "<image x=\"{x}\" y=\"{y}\" width=\"{pw}\" height=\"{ph}\" \
             preserveAspectRatio=\"none\" href=\"{url}\"/>"
        ));
        rest = &rest[close..];
        index += 1;
    }
    out.push_str(rest);
    if index != expected {
        return Err(format!(
            "figure has {index} heatmap placeholders for {expected} heatmaps"
        ));
    }
    Ok(out)
}

/// The SVG read with the shipped font.
fn tree(svg: &str) -> Result<usvg::Tree, String> {
    let options = usvg::Options {
        fontdb: fontdb(),
        font_family: FIGURE_FAMILY.into(),
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &options).map_err(|e| format!("figure SVG: {e}"))
}

/// The SVG with its text turned into paths in the shipped font (same look everywhere).
pub fn outlined_svg(svg: &str) -> Result<String, String> {
    Ok(tree(svg)?.to_string(&usvg::WriteOptions::default()))
}

/// The SVG as a one-page PDF: vector paths, the heatmaps as images, the text as the shipped
/// font (subset, embedded, selectable).
pub fn pdf(svg: &str) -> Result<Vec<u8>, String> {
    svg2pdf::to_pdf(
        &tree(svg)?,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions::default(),
    )
    .map_err(|e| format!("PDF conversion: {e}"))
}
