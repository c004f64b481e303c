//! Error accumulation, after `serde_derive`'s `Ctxt`.
//!
//! Every check records its problem here and carries on, so one `cargo check`
//! reports all the mistakes in an attribute and its function at once.

use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// Collects the errors found while expanding one `#[migration]`.
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: Option<syn::Error>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Records an error spanned over `tokens` (from their first to their last token).
    pub(crate) fn error_spanned_by<T: ToTokens, M: Display>(&mut self, tokens: T, msg: M) {
        self.syn_error(syn::Error::new_spanned(tokens.into_token_stream(), msg));
    }

    /// Records an error at one span.
    pub(crate) fn error_at<M: Display>(&mut self, span: Span, msg: M) {
        self.syn_error(syn::Error::new(span, msg));
    }

    /// Records an error that `syn` produced.
    pub(crate) fn syn_error(&mut self, err: syn::Error) {
        match &mut self.errors {
            Some(errors) => errors.combine(err),
            None => self.errors = Some(err),
        }
    }

    /// Every error recorded, combined into one, or `Ok` if there were none.
    pub(crate) fn check(self) -> syn::Result<()> {
        match self.errors {
            Some(errors) => Err(errors),
            None => Ok(()),
        }
    }
}
