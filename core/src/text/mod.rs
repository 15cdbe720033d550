//! Text positions as editors count them.

mod line_index;
mod offset32;
mod visible;

pub use line_index::LineIndex;
pub use offset32::{ByteRange, MAX_TEXT_BYTES};
pub(crate) use offset32::{narrow, narrow_delta};
pub use visible::{is_invisible_control, is_terminal_hazard, quote_for_terminal, visible_controls};

/// How columns are counted. LSP clients count UTF-16 code units unless they
/// negotiate UTF-8 bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
}

/// A zero-based line and column, columns counted in an [`Encoding`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

impl Encoding {
    /// Length of `text` in this encoding's units.
    pub fn measure(self, text: &str) -> usize {
        match self {
            Encoding::Utf8 => text.len(),
            Encoding::Utf16 => {
                if text.is_ascii() {
                    text.len()
                } else {
                    text.chars().map(char::len_utf16).sum()
                }
            }
        }
    }

    /// Byte length of the longest prefix of `line` that is at most `units`
    /// long in this encoding; a column inside a character stops before it.
    pub fn byte_len_of_prefix(self, line: &str, units: usize) -> usize {
        match self {
            Encoding::Utf8 => {
                let mut end = units.min(line.len());
                while !line.is_char_boundary(end) {
                    end -= 1;
                }
                end
            }
            Encoding::Utf16 => {
                let mut count = 0;
                for (i, c) in line.char_indices() {
                    count += c.len_utf16();
                    if count > units {
                        return i;
                    }
                }
                line.len()
            }
        }
    }
}
