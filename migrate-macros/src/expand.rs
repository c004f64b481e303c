//! Code generation for `#[migration]`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::{LitInt, LitStr};

use crate::attr::{self, DownKind, MigrationAttr};
use crate::ctxt::Ctxt;
use crate::func::{self, MigrationFn};

/// Expands `#[migration(args)] item`.
///
/// On any error the original item is emitted next to the errors, with no
/// registration, so the function still exists for IDEs and the rest of the
/// crate, and one mistake doesn't cascade into unrelated ones. The one change
/// made to it then is the `Migration<Manual>` rewrite, if the attribute
/// mentions `down` or `irreversible`: without it, every `Manual`-only step in
/// the body would be one more error.
pub(crate) fn migration(args: TokenStream, item: &TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();

    let manual_mode = attr::wants_manual_mode(&args);
    let attr = attr::parse(args).map_err(|err| cx.syn_error(err)).ok();
    let func = match MigrationFn::from_tokens(item) {
        Ok(func) => {
            func::check(&mut cx, &func);
            Some(func)
        }
        Err(err) => {
            cx.syn_error(not_a_function(item, &err));
            None
        }
    };

    match (cx.check(), attr, func) {
        (Ok(()), Some(attr), Some(func)) => expand(&attr, func),
        (result, _, func) => {
            let errors = result.err().map(|err| err.to_compile_error());
            match func {
                // `down = ...` or `irreversible` was meant: give the function
                // the mode it was written for, or each `Manual`-only step in
                // it would be one more error. Nothing else is changed.
                Some(mut func) if manual_mode => {
                    func::set_mode(&mut func, manual());
                    quote!(#func #errors)
                }
                _ => quote!(#item #errors),
            }
        }
    }
}

/// `::migrate_core::Manual`, as a generic argument.
fn manual() -> syn::GenericArgument {
    syn::parse_quote!(::migrate_core::Manual)
}

/// The error for an item that isn't a function.
fn not_a_function(item: &TokenStream, err: &syn::Error) -> syn::Error {
    match syn::parse2::<syn::Item>(item.clone()) {
        // Some other item: syn's "expected `fn`" is at the right place but terse.
        Ok(_) => syn::Error::new(
            err.span(),
            "`#[migration]` goes on a function: `fn create_users(m: &mut Migration) { ... }`",
        ),
        // Syntax syn doesn't know: its own error is the best there is.
        Err(_) => err.clone(),
    }
}

fn expand(attr: &MigrationAttr, mut func: MigrationFn) -> TokenStream {
    let ident = func.sig.ident.clone();
    let ident_span = ident.span();

    let manual_mode = attr.down.is_manual_mode();
    if manual_mode {
        func::set_mode(&mut func, manual());
    }

    // Not spanned at the user's literal: lints that read the literal's source
    // text (clippy::inconsistent_digit_grouping on `20261121_090000`) would
    // fire on the user's attribute.
    let id = LitInt::new(&format!("{}i64", attr.id), Span::call_site());
    let name = attr
        .name
        .clone()
        .unwrap_or_else(|| ident.unraw().to_string());
    let name = LitStr::new(&name, Span::call_site());

    // Spanned at the function's name, so `line!()` reports the line the
    // migration is declared on rather than the attribute's.
    let file = quote_spanned!(ident_span=> ::core::file!());
    let line = quote_spanned!(ident_span=> ::core::line!());
    // The function itself is stored (no wrapper). Spanned at the name too: if
    // the function's type is wrong after all, the error points at it.
    let mode = if manual_mode {
        quote_spanned!(ident_span=> Manual)
    } else {
        quote_spanned!(ident_span=> Reversible)
    };
    let down = match &attr.down {
        DownKind::Auto => quote!(Auto),
        DownKind::Irreversible => quote!(Irreversible),
        DownKind::Manual(path) => {
            // Spanned at the user's path, so a missing or ill-typed down function
            // is reported there. `record_down` takes a down written in either mode.
            let span = path
                .path
                .segments
                .last()
                .map_or_else(Span::call_site, |segment| segment.ident.span());
            let record = quote_spanned!(span=> ::migrate_core::__private::record_down(#path));
            quote!(down = #record)
        }
    };
    let guard = duplicate_id_guard(attr);

    // As few tokens as possible: each one emitted costs a compiler round trip on
    // every build; `register!` (a `macro_rules!` in migrate-core) writes the rest.
    quote! {
        #func

        #guard

        ::migrate_core::__private::register!(#id, #name, #file, #line, #mode(#ident), #down);
    }
}

/// A crate-wide check that no two migrations share an id.
///
/// `#[macro_export]` puts a `macro_rules!` at the crate root whichever module
/// defines it, so two migrations with the same id anywhere in one crate
/// define the same macro twice: rustc's E0428 "the name ... is defined
/// multiple times", pointing at both id literals (every token of the macro
/// carries the id literal's span). The macro's name is the message, so it
/// carries the id as users write it: `migration_id_20261121_090000_is_used_twice`.
fn duplicate_id_guard(attr: &MigrationAttr) -> TokenStream {
    let span = attr.id_span;
    let name = format_ident!(
        "migration_id_{}_is_used_twice",
        readable_id(attr.id),
        span = span
    );
    // `non_local_definitions` fires when the migration is declared inside a
    // function body; the macro is exported from there all the same.
    quote_spanned! {span=>
        #[doc(hidden)]
        #[allow(non_local_definitions)]
        #[macro_export]
        macro_rules! #name {
            () => {};
        }
    }
}

/// The id as the docs write it: a 14-digit id as `YYYYMMDD_HHMMSS`
/// (`20261121_090000`), any other as its digits. The same for every way the
/// literal is written (`20261121090000`, `2026_1121_0900_00`), so the guards of
/// two equal ids still collide. Valid in an identifier: the id is non-negative.
fn readable_id(id: i64) -> String {
    let digits = id.to_string();
    if digits.len() == 14 {
        format!("{}_{}", &digits[..8], &digits[8..])
    } else {
        digits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(args: TokenStream, item: &TokenStream) -> String {
        migration(args, item).to_string()
    }

    #[test]
    fn reversible_expansion() {
        let out = expand_str(
            quote!(id = 20261121_090000),
            &quote!(
                fn create_users(m: &mut Migration) {}
            ),
        );
        assert!(
            out.contains(
                &quote!(
                    fn create_users(m: &mut Migration) {}
                )
                .to_string()
            ),
            "{out}"
        );
        for expected in [
            "register ! (20261121090000i64 , \"create_users\" ,",
            "Reversible (create_users) , Auto) ;",
            "macro_rules ! migration_id_20261121_090000_is_used_twice",
        ] {
            assert!(out.contains(expected), "{expected} in {out}");
        }
        assert!(!out.contains("__migrate_down"), "{out}");
    }

    #[test]
    fn readable_ids() {
        assert_eq!(readable_id(20_261_121_090_000), "20261121_090000");
        assert_eq!(readable_id(0), "0");
        assert_eq!(readable_id(42), "42");
        assert_eq!(readable_id(i64::MAX), "9223372036854775807");
        let guard = |args| {
            expand_str(
                args,
                &quote!(
                    fn up(m: &mut Migration) {}
                ),
            )
        };
        assert!(
            guard(quote!(id = 2026_1121_0900_00))
                .contains("migration_id_20261121_090000_is_used_twice")
        );
    }

    #[test]
    fn manual_expansion() {
        let out = expand_str(
            quote!(id = 2, name = "drop legacy", down = restore_legacy),
            &quote!(
                fn drop_legacy(m: &mut Migration) {}
            ),
        );
        for expected in [
            quote!(
                fn drop_legacy(m: &mut Migration<::migrate_core::Manual>) {}
            )
            .to_string(),
            "register ! (2i64 , \"drop legacy\" ,".to_owned(),
            "Manual (drop_legacy) , down = :: migrate_core :: __private :: record_down (restore_legacy)) ;".to_owned(),
        ] {
            assert!(out.contains(&expected.to_string()), "{expected} in {out}");
        }
    }

    #[test]
    fn irreversible_expansion() {
        let out = expand_str(
            quote!(id = 3, irreversible),
            &quote!(
                fn r#type(m: &mut Migration) {}
            ),
        );
        for expected in [
            quote!(
                fn r#type(m: &mut Migration<::migrate_core::Manual>) {}
            )
            .to_string(),
            "register ! (3i64 , \"type\" ,".to_owned(),
            "Manual (r#type) , Irreversible) ;".to_owned(),
        ] {
            assert!(out.contains(&expected.to_string()), "{expected} in {out}");
        }
    }

    #[test]
    fn errors_keep_the_original_item() {
        let item = quote!(
            async fn create_users(m: &mut Migration<Manual>) {}
        );
        let out = expand_str(quote!(id = "x", down = f), &item);
        assert!(out.starts_with(&item.to_string()), "{out}");
        assert_eq!(out.matches("compile_error").count(), 3, "{out}");
        assert!(!out.contains("inventory"), "{out}");
    }

    #[test]
    fn errors_keep_the_mode_that_was_meant() {
        let out = expand_str(
            quote!(id = 1, down = "restore_legacy"),
            &quote!(
                fn drop_legacy(m: &mut Migration) {}
            ),
        );
        let expected = quote!(
            fn drop_legacy(m: &mut Migration<::migrate_core::Manual>) {}
        );
        assert!(out.starts_with(&expected.to_string()), "{out}");
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
    }

    #[test]
    fn not_a_function() {
        let item = quote!(
            struct Users;
        );
        let out = expand_str(quote!(id = 1), &item);
        assert!(out.starts_with(&item.to_string()), "{out}");
        assert!(out.contains("goes on a function"), "{out}");
    }
}
