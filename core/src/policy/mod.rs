//! What gets shown: the one policy the editor and the command line share.

mod ignore;

pub use ignore::{IGNORE, Silenced, comment_for};
