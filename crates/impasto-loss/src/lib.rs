//! impasto-loss (work in progress).

mod checks;
mod content;
mod error;
mod gram;
mod style;
mod total_variation;
#[cfg(test)]
mod testing;

pub use content::{content_layer_loss, content_loss};
pub use error::{LossError, Term};
pub use gram::gram;
pub use style::{style_layer_loss, style_loss};
pub use total_variation::total_variation;
