//! Checking the shape of the function under `#[migration]`.
//!
//! A migration is `fn name(m: &mut Migration) { ... }`: nothing more. The
//! checks are syntactic; rustc still type-checks the function as written.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::parse::{Parse, ParseStream, Parser};
use syn::{
    Attribute, FnArg, GenericArgument, PathArguments, ReturnType, Signature, Type, TypePath,
    Visibility,
};

use crate::ctxt::Ctxt;

/// A function as `#[migration]` needs it: attributes, visibility and signature are
/// parsed; the body is kept as the user's tokens, never parsed nor re-printed. The
/// macro runs on every build for every migration (proc-macro expansion is not
/// incremental), and parsing bodies into a syntax tree was most of its cost.
pub(crate) struct MigrationFn {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    pub(crate) body: Group,
}

/// Attributes, visibility and signature: everything of a function but its body.
fn parse_head(input: ParseStream<'_>) -> syn::Result<(Vec<Attribute>, Visibility, Signature)> {
    Ok((
        input.call(Attribute::parse_outer)?,
        input.parse()?,
        input.parse()?,
    ))
}

impl Parse for MigrationFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let (attrs, vis, sig) = parse_head(input)?;
        let body: Group = input.parse()?;
        if body.delimiter() != Delimiter::Brace {
            return Err(syn::Error::new(body.span(), "expected the function's body"));
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the function"));
        }
        Ok(Self {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

impl MigrationFn {
    /// Parses a function without walking its body: the body (the last token tree) is
    /// split off first and only the tokens before it go through syn. `syn::parse2` on
    /// the whole item would copy every token of the body into its buffer, one
    /// compiler round trip each, on every build. Anything that doesn't look like a
    /// function falls back to the full parser, for its error messages.
    pub(crate) fn from_tokens(item: &TokenStream) -> syn::Result<Self> {
        let mut trees: Vec<TokenTree> = item.clone().into_iter().collect();
        if let Some(TokenTree::Group(body)) = trees.last()
            && body.delimiter() == Delimiter::Brace
        {
            let body = body.clone();
            trees.pop();
            let head: TokenStream = trees.into_iter().collect();
            let only_head = |input: ParseStream<'_>| {
                let head = parse_head(input)?;
                if !input.is_empty() {
                    return Err(input.error("unexpected tokens before the function's body"));
                }
                Ok(head)
            };
            if let Ok((attrs, vis, sig)) = only_head.parse2(head) {
                return Ok(Self {
                    attrs,
                    vis,
                    sig,
                    body,
                });
            }
        }
        syn::parse2::<MigrationFn>(item.clone())
    }
}

impl ToTokens for MigrationFn {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        for attr in &self.attrs {
            attr.to_tokens(tokens);
        }
        self.vis.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        self.body.to_tokens(tokens);
    }
}

/// The message for a parameter whose type isn't `&mut Migration`.
const PARAM_HELP: &str = "a migration's parameter must be `&mut Migration`, \
     as in `fn create_users(m: &mut Migration)`";

/// Records every way `func` differs from `fn name(m: &mut Migration) { ... }`.
pub(crate) fn check(cx: &mut Ctxt, func: &MigrationFn) {
    let sig = &func.sig;
    let name = &sig.ident;

    if let Some(constness) = &sig.constness {
        cx.error_spanned_by(constness, "a migration can't be `const`: remove `const`");
    }
    if let Some(asyncness) = &sig.asyncness {
        cx.error_spanned_by(
            asyncness,
            "migrations are synchronous: they record steps; the runner does the I/O. \
             Remove `async`",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        cx.error_spanned_by(unsafety, "a migration can't be `unsafe`: remove `unsafe`");
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(
            abi,
            format!(
                "a migration can't have an ABI: remove `{}`",
                abi.to_token_stream()
            ),
        );
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "a migration can't be generic: remove the generic parameters",
        );
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            "a migration can't have a `where` clause: remove it",
        );
    }

    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        None => cx.error_at(
            sig.paren_token.span.join(),
            format!(
                "a migration takes one parameter, the migration to record steps on: \
                 write `fn {name}(m: &mut Migration)`"
            ),
        ),
        Some(FnArg::Receiver(receiver)) => cx.error_spanned_by(
            receiver,
            format!(
                "a migration is a free function, not a method: \
                 write `fn {name}(m: &mut Migration)` outside any `impl`"
            ),
        ),
        Some(FnArg::Typed(param)) => check_param_type(cx, &param.ty),
    }
    let extra: Vec<&FnArg> = inputs.collect();
    if !extra.is_empty() {
        cx.error_spanned_by(
            quote!(#(#extra)*),
            "a migration takes exactly one parameter, `&mut Migration`: remove the others",
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, "a migration can't be variadic: remove `...`");
    }

    if let ReturnType::Type(arrow, ty) = &sig.output
        && !is_unit(ty)
    {
        cx.error_spanned_by(
            quote!(#arrow #ty),
            "a migration returns nothing: remove the return type; \
             it records its steps on the `Migration` instead",
        );
    }
}

/// Checks that a parameter's type is `&mut Migration` (any path ending in
/// `Migration`, with no generic arguments).
fn check_param_type(cx: &mut Ctxt, ty: &Type) {
    let Type::Reference(reference) = ungroup(ty) else {
        if migration_path(ty).is_some() {
            cx.error_spanned_by(
                ty,
                "a migration takes the `Migration` by mutable reference: \
                 write `m: &mut Migration`",
            );
        } else {
            cx.error_spanned_by(ty, PARAM_HELP);
        }
        return;
    };
    if reference.mutability.is_none() {
        cx.error_spanned_by(
            reference,
            "a migration needs a mutable reference to record steps: write `&mut Migration`",
        );
    }
    if let Some(lifetime) = &reference.lifetime
        && lifetime.ident != "_"
    {
        cx.error_spanned_by(
            lifetime,
            format!("remove the lifetime `{lifetime}`: write `&mut Migration`"),
        );
    }
    let Some(path) = migration_path(&reference.elem) else {
        cx.error_spanned_by(&reference.elem, PARAM_HELP);
        return;
    };
    if let Some(last) = path.path.segments.last()
        && !matches!(last.arguments, PathArguments::None)
    {
        cx.error_spanned_by(
            &last.arguments,
            "don't write the mode of `Migration`: the attribute decides it \
             (`down = ...` or `irreversible` makes it `Migration<Manual>`)",
        );
    }
}

/// The path of a type whose last segment is `Migration`, if `ty` is one.
fn migration_path(ty: &Type) -> Option<&TypePath> {
    match ungroup(ty) {
        Type::Path(path)
            if path.qself.is_none()
                && path
                    .path
                    .segments
                    .last()
                    .is_some_and(|last| last.ident == "Migration") =>
        {
            Some(path)
        }
        _ => None,
    }
}

/// Looks through parentheses and the invisible groups `macro_rules!` leaves
/// around `$ty` fragments.
fn ungroup(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Group(group) => ty = &group.elem,
            Type::Paren(paren) => ty = &paren.elem,
            _ => return ty,
        }
    }
}

fn ungroup_mut(mut ty: &mut Type) -> &mut Type {
    loop {
        match ty {
            Type::Group(group) => ty = &mut group.elem,
            Type::Paren(paren) => ty = &mut paren.elem,
            _ => return ty,
        }
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ungroup(ty), Type::Tuple(tuple) if tuple.elems.is_empty())
}

/// Rewrites the parameter type `&mut Migration` to `&mut Migration<mode>`,
/// keeping the user's path and spans. Anything else (including a
/// `Migration` that already has generic arguments) is left alone, so this is
/// safe on a function that failed the checks.
pub(crate) fn set_mode(func: &mut MigrationFn, mode: GenericArgument) {
    let Some(FnArg::Typed(param)) = func.sig.inputs.first_mut() else {
        return;
    };
    let Type::Reference(reference) = ungroup_mut(&mut param.ty) else {
        return;
    };
    let Type::Path(path) = ungroup_mut(&mut reference.elem) else {
        return;
    };
    if path.qself.is_some() {
        return;
    }
    let Some(last) = path.path.segments.last_mut() else {
        return;
    };
    if last.ident != "Migration" || !matches!(last.arguments, PathArguments::None) {
        return;
    }
    let span = last.ident.span();
    let mut args = syn::AngleBracketedGenericArguments {
        colon2_token: None,
        lt_token: syn::Token![<](span),
        args: syn::punctuated::Punctuated::new(),
        gt_token: syn::Token![>](span),
    };
    args.args.push(mode);
    last.arguments = PathArguments::AngleBracketed(args);
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    use super::*;

    fn errors(item: TokenStream) -> Vec<String> {
        let func: MigrationFn = match syn::parse2(item) {
            Ok(func) => func,
            Err(err) => panic!("not a fn: {err}"),
        };
        let mut cx = Ctxt::new();
        check(&mut cx, &func);
        match cx.check() {
            Ok(()) => Vec::new(),
            Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn accepts_plain_migrations() {
        for item in [
            quote!(
                fn up(m: &mut Migration) {}
            ),
            quote!(
                pub(crate) fn up(mut m: &mut Migration) -> () {}
            ),
            quote!(
                fn up(_: &mut migrate_core::Migration) {}
            ),
            quote!(
                fn up(m: &'_ mut ::migrate_core::Migration) {}
            ),
            quote!(
                #[doc = "x"]
                fn up(#[allow(unused)] m: &mut (Migration)) {}
            ),
        ] {
            assert_eq!(errors(item), Vec::<String>::new());
        }
    }

    #[test]
    fn reports_every_problem_at_once() {
        let errs = errors(quote!(
            const async unsafe extern "C" fn up<T>(m: &Migration<Manual>, n: u8) -> u32
            where
                T: Copy,
            {
            }
        ));
        assert_eq!(
            errs,
            [
                "a migration can't be `const`: remove `const`",
                "migrations are synchronous: they record steps; the runner does the I/O. \
                 Remove `async`",
                "a migration can't be `unsafe`: remove `unsafe`",
                "a migration can't have an ABI: remove `extern \"C\"`",
                "a migration can't be generic: remove the generic parameters",
                "a migration can't have a `where` clause: remove it",
                "a migration needs a mutable reference to record steps: write `&mut Migration`",
                "don't write the mode of `Migration`: the attribute decides it \
                 (`down = ...` or `irreversible` makes it `Migration<Manual>`)",
                "a migration takes exactly one parameter, `&mut Migration`: remove the others",
                "a migration returns nothing: remove the return type; \
                 it records its steps on the `Migration` instead",
            ]
        );
    }

    #[test]
    fn parameter_problems() {
        assert_eq!(
            errors(quote!(
                fn up() {}
            )),
            [
                "a migration takes one parameter, the migration to record steps on: \
                 write `fn up(m: &mut Migration)`"
            ]
        );
        assert_eq!(
            errors(quote!(
                fn up(&mut self) {}
            )),
            ["a migration is a free function, not a method: \
                 write `fn up(m: &mut Migration)` outside any `impl`"]
        );
        assert_eq!(
            errors(quote!(
                fn up(m: Migration) {}
            )),
            ["a migration takes the `Migration` by mutable reference: \
                 write `m: &mut Migration`"]
        );
        assert_eq!(
            errors(quote!(
                fn up(m: &mut Schema) {}
            )),
            [PARAM_HELP]
        );
        assert_eq!(
            errors(quote!(
                fn up(m: u8) {}
            )),
            [PARAM_HELP]
        );
        assert_eq!(
            errors(quote!(
                fn up(m: &'static mut Migration) {}
            )),
            ["remove the lifetime `'static`: write `&mut Migration`"]
        );
    }

    #[test]
    fn set_mode_leaves_other_types_alone() {
        for item in [
            quote!(
                fn up(m: &mut Schema) {}
            ),
            quote!(
                fn up(m: &mut Migration<Reversible>) {}
            ),
            quote!(
                fn up(m: Migration) {}
            ),
            quote!(
                fn up() {}
            ),
        ] {
            let mut func: MigrationFn = syn::parse2(item.clone()).unwrap_or_else(|e| panic!("{e}"));
            set_mode(&mut func, syn::parse_quote!(::migrate_core::Manual));
            assert_eq!(func.to_token_stream().to_string(), item.to_string());
        }
    }

    #[test]
    fn set_mode_adds_the_generic_argument() {
        let mut func: MigrationFn = syn::parse_quote!(
            fn up(m: &mut migrate_core::Migration) {}
        );
        set_mode(&mut func, syn::parse_quote!(::migrate_core::Manual));
        assert_eq!(
            func.sig.inputs.to_token_stream().to_string(),
            quote!(m: &mut migrate_core::Migration<::migrate_core::Manual>).to_string()
        );
    }
}
