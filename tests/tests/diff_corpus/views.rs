//! (the views family's pairs)

#[allow(unused_imports)]
use super::{Pair, run};
