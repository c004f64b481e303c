//! Functions, procedures and triggers.

use super::catalog::Scope;
use super::emit::Cx;
use crate::error::Error;

/// Functions, procedures and triggers.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Part {}

impl Part {
    pub(crate) fn is_empty(&self) -> bool {
        true
    }
}

pub(crate) async fn read(_scope: &Scope<'_>) -> Result<Part, Error> {
    Ok(Part::default())
}

pub(crate) fn diff(_cx: &mut Cx<'_>) {}
