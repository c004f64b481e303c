//! Parsing the arguments of `#[migration(...)]`.
//!
//! Longer than most files on purpose: about 440 lines are the one grammar (keys, values,
//! near-miss suggestions, the spans every error points at) and the rest are its unit
//! tests, one per accepted and refused form; splitting the grammar would scatter rules
//! that read together.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::parse::{Parse, ParseStream, Parser};
use syn::{ExprPath, LitInt, LitStr, Token};

use crate::ctxt::Ctxt;

/// The message for an `id` that is not a plain non-negative integer literal.
pub(crate) const ID_HELP: &str =
    "migration id must be a non-negative integer literal such as `20261121_090000`";

/// The keys `#[migration(...)]` accepts, in the order the docs list them.
const KEYS: &str = "`id`, `name`, `down`, `irreversible`";

/// The same keys, for suggestions.
const KEY_NAMES: [&str; 4] = ["id", "name", "down", "irreversible"];

/// The parsed arguments of one `#[migration(...)]`.
pub(crate) struct MigrationAttr {
    /// The migration's id (`id = ...`), known to be `>= 0`.
    pub(crate) id: i64,
    /// The span of the id literal, for errors about the id (such as a duplicate).
    pub(crate) id_span: Span,
    /// `name = "..."`, if given: non-empty.
    pub(crate) name: Option<String>,
    /// How the migration is undone.
    pub(crate) down: DownKind,
}

/// How a migration is undone, as the attribute says.
pub(crate) enum DownKind {
    /// Neither `down` nor `irreversible`: the down steps are derived from the up steps.
    Auto,
    /// `down = path`: a hand-written down function.
    Manual(ExprPath),
    /// `irreversible`: there is no down.
    Irreversible,
}

impl DownKind {
    /// Whether the migration records in `Migration<Manual>` mode, where the
    /// steps need not be reversible.
    pub(crate) fn is_manual_mode(&self) -> bool {
        !matches!(self, Self::Auto)
    }
}

/// The value after `key =`: every token up to the next top-level comma.
struct Value {
    eq: Token![=],
    tokens: TokenStream,
}

impl Value {
    /// An error spanned at the value, or at the `=` when the value is missing.
    fn error(&self, msg: impl std::fmt::Display) -> syn::Error {
        if self.tokens.is_empty() {
            syn::Error::new_spanned(self.eq, msg)
        } else {
            syn::Error::new_spanned(&self.tokens, msg)
        }
    }

    /// Parses the whole value as one `T`.
    ///
    /// `Err(None)` means the value is not a `T` (the caller says what it should
    /// be); `Err(Some(_))` is a more specific error, such as a missing comma.
    fn parse<T: Parse>(&self) -> Result<T, Option<syn::Error>> {
        let first_and_rest = |input: ParseStream<'_>| {
            let first: T = input.parse()?;
            let rest: TokenStream = input.parse()?;
            Ok((first, rest))
        };
        match first_and_rest.parse2(self.tokens.clone()) {
            Ok((first, rest)) if rest.is_empty() => Ok(first),
            Ok((_, rest)) => match rest.into_iter().next() {
                // `id = 1 name = "x"`: most likely a missing comma.
                Some(TokenTree::Ident(next)) => Err(Some(syn::Error::new(
                    next.span(),
                    format!("expected `,` before `{next}`"),
                ))),
                _ => Err(None),
            },
            Err(_) => Err(None),
        }
    }
}

/// What has been seen so far while parsing the keys.
#[derive(Default)]
struct State {
    /// The keys given so far, valid or not.
    seen: Vec<&'static str>,
    /// The keys suggested for typos so far (a typo of `id` is not a missing id).
    suggested: Vec<&'static str>,
    id: Option<(i64, Span)>,
    name: Option<String>,
    down: Option<ExprPath>,
}

/// Parses the arguments of `#[migration(...)]`, reporting every problem at once.
pub(crate) fn parse(args: TokenStream) -> syn::Result<MigrationAttr> {
    let mut cx = Ctxt::new();
    let mut state = State::default();

    // `#[migration(20261121_090000)]`: the key is missing. syn would only say
    // "expected identifier".
    if let Some(TokenTree::Literal(lit)) = args.clone().into_iter().next() {
        return Err(syn::Error::new(
            lit.span(),
            format!("the id needs its key: write `#[migration(id = {lit})]`"),
        ));
    }

    let parser = syn::meta::parser(|meta| parse_key(&mut cx, &mut state, &meta));
    let completed = match parser.parse2(args) {
        Ok(()) => true,
        Err(err) => {
            cx.syn_error(err);
            false
        }
    };

    // A malformed attribute stops syn partway, so a missing id may only be unparsed.
    if completed && !state.seen.contains(&"id") && !state.suggested.contains(&"id") {
        cx.error_at(
            Span::call_site(),
            "missing migration id: write `#[migration(id = 20261121_090000)]`, \
             a number unique in the crate that orders the migrations, \
             such as the creation time as YYYYMMDD_HHMMSS",
        );
    }

    cx.check()?;
    let (id, id_span) = state.id.ok_or_else(unreachable_error)?;
    let down = match (state.down, state.seen.contains(&"irreversible")) {
        (Some(path), false) => DownKind::Manual(path),
        (None, true) => DownKind::Irreversible,
        (None, false) => DownKind::Auto,
        (Some(_), true) => return Err(unreachable_error()),
    };
    Ok(MigrationAttr {
        id,
        id_span,
        name: state.name,
        down,
    })
}

/// Whether the arguments name `down` or `irreversible` as a key, valid or
/// not, or a typo of one (`irreversable`). When the attribute has errors, the function is still emitted in the
/// mode the user meant, so its `Manual`-only steps don't cascade into more
/// errors.
pub(crate) fn wants_manual_mode(args: &TokenStream) -> bool {
    let mut at_key = true;
    for token in args.clone() {
        match &token {
            TokenTree::Punct(punct) if punct.as_char() == ',' => at_key = true,
            TokenTree::Ident(ident)
                if at_key
                    && matches!(near_miss(&ident.to_string()), Some("down" | "irreversible")) =>
            {
                return true;
            }
            _ => at_key = false,
        }
    }
    false
}

/// Returned where the bookkeeping above guarantees an error was already
/// recorded; never reached, but never a panic either.
fn unreachable_error() -> syn::Error {
    syn::Error::new(
        Span::call_site(),
        "internal error in #[migration]: please report this",
    )
}

/// Handles one `key` or `key = value`. Problems with the key are recorded in
/// `cx` and the value skipped, so the keys after it are still checked; only
/// malformed syntax (returned as `Err`) stops the parse.
fn parse_key(cx: &mut Ctxt, state: &mut State, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let Some(key) = meta.path.get_ident().map(ToString::to_string) else {
        let path = meta
            .path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect::<Vec<_>>()
            .join("::");
        cx.error_spanned_by(
            &meta.path,
            format!("unknown key `{path}`; expected one of {KEYS}"),
        );
        return skip_rest(meta).map(drop);
    };

    match key.as_str() {
        "id" => {
            if !first_time(cx, &mut state.seen, meta, "id") {
                return skip_rest(meta).map(drop);
            }
            let Some(value) = take_value(cx, meta, "id = 20261121_090000")? else {
                return Ok(());
            };
            match parse_id(&value) {
                Ok(id) => state.id = Some(id),
                Err(err) => cx.syn_error(err),
            }
        }
        "name" => {
            if !first_time(cx, &mut state.seen, meta, "name") {
                return skip_rest(meta).map(drop);
            }
            let Some(value) = take_value(cx, meta, "name = \"create users\"")? else {
                return Ok(());
            };
            match parse_name(&value) {
                Ok(name) => state.name = Some(name),
                Err(err) => cx.syn_error(err),
            }
        }
        "down" => {
            if !first_time(cx, &mut state.seen, meta, "down") {
                return skip_rest(meta).map(drop);
            }
            if state.seen.contains(&"irreversible") {
                cx.error_spanned_by(&meta.path, CONFLICT);
                return skip_rest(meta).map(drop);
            }
            let Some(value) = take_value(cx, meta, "down = restore_legacy")? else {
                return Ok(());
            };
            match parse_down(&value) {
                Ok(path) => state.down = Some(path),
                Err(err) => cx.syn_error(err),
            }
        }
        "irreversible" => {
            if !first_time(cx, &mut state.seen, meta, "irreversible") {
                return skip_rest(meta).map(drop);
            }
            if state.seen.contains(&"down") {
                cx.error_spanned_by(&meta.path, CONFLICT);
                return skip_rest(meta).map(drop);
            }
            let rest = skip_rest(meta)?;
            if !rest.is_empty() {
                cx.error_spanned_by(
                    rest,
                    "`irreversible` is a flag and takes no value: write just `irreversible`",
                );
            }
        }
        "reversible" => {
            cx.error_spanned_by(
                &meta.path,
                "unknown key `reversible`: a migration is reversible unless it says \
                 otherwise (`down = ...` or `irreversible`); remove it",
            );
            skip_rest(meta)?;
        }
        _ => {
            let msg = match near_miss(&key) {
                Some(known) => {
                    state.suggested.push(known);
                    format!("unknown key `{key}`; did you mean `{known}`?")
                }
                None => format!("unknown key `{key}`; expected one of {KEYS}"),
            };
            cx.error_spanned_by(&meta.path, msg);
            skip_rest(meta)?;
        }
    }
    Ok(())
}

/// The known key `key` is or most likely stands for: itself, or the closest one
/// within a small edit distance (a third of its length, at least 1, as rustc
/// does), ignoring case. `reversible` is no typo of `irreversible`: it means
/// the opposite.
fn near_miss(key: &str) -> Option<&'static str> {
    if key == "reversible" {
        return None;
    }
    let key = key.to_ascii_lowercase();
    KEY_NAMES
        .iter()
        .map(|&known| (edit_distance(&key, known), known))
        .filter(|&(distance, known)| distance <= (known.len() / 3).max(1))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, known)| known)
}

/// The optimal string alignment distance between `a` and `b`: insertions,
/// deletions, substitutions and swaps of two neighbours, one each.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: the distance between a[..i] and b[..j].
    let mut rows = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

const CONFLICT: &str = "`down` and `irreversible` can't be used together: \
     `down = ...` names the hand-written down migration, `irreversible` says there is none";

/// Records the key as seen; if it already was, reports it (at this, the
/// second occurrence) and returns `false`.
fn first_time(
    cx: &mut Ctxt,
    seen: &mut Vec<&'static str>,
    meta: &ParseNestedMeta<'_>,
    key: &'static str,
) -> bool {
    if seen.contains(&key) {
        cx.error_spanned_by(&meta.path, format!("`{key}` is given twice"));
        return false;
    }
    seen.push(key);
    true
}

/// Consumes `= value` after a key that needs a value. If there is no `=`,
/// reports it (showing `form`), skips whatever follows and returns `None`.
fn take_value(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>, form: &str) -> syn::Result<Option<Value>> {
    if !meta.input.peek(Token![=]) {
        let rest = skip_rest(meta)?;
        let key = meta.path.to_token_stream();
        cx.error_spanned_by(
            quote::quote!(#key #rest),
            format!("`{key}` needs a value: write `{form}`"),
        );
        return Ok(None);
    }
    let eq: Token![=] = meta.input.parse()?;
    let tokens = skip_rest(meta)?;
    Ok(Some(Value { eq, tokens }))
}

/// Consumes the tokens up to the next top-level comma (or the end), returning them.
fn skip_rest(meta: &ParseNestedMeta<'_>) -> syn::Result<TokenStream> {
    let mut tokens = TokenStream::new();
    while !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        tokens.extend([meta.input.parse::<TokenTree>()?]);
    }
    Ok(tokens)
}

fn parse_id(value: &Value) -> syn::Result<(i64, Span)> {
    let lit: LitInt = value
        .parse()
        .map_err(|err| err.unwrap_or_else(|| value.error(ID_HELP)))?;
    let digits = lit.base10_digits();
    // syn accepts `-5` as one negative literal.
    if digits.starts_with('-') {
        return Err(value.error(ID_HELP));
    }
    if !lit.suffix().is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "remove the `{}` suffix: {ID_HELP}, with no type suffix",
                lit.suffix()
            ),
        ));
    }
    let id = digits.parse::<i64>().map_err(|_| {
        syn::Error::new(
            lit.span(),
            format!(
                "migration id `{lit}` is too large: it must fit in an `i64` (at most {})",
                i64::MAX
            ),
        )
    })?;
    Ok((id, lit.span()))
}

fn parse_name(value: &Value) -> syn::Result<String> {
    const HELP: &str = "migration name must be a string literal such as `name = \"create users\"`";
    let lit: LitStr = value
        .parse()
        .map_err(|err| err.unwrap_or_else(|| value.error(HELP)))?;
    if !lit.suffix().is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            format!("remove the `{}` suffix: {HELP}", lit.suffix()),
        ));
    }
    let name = lit.value();
    if name.trim().is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            "migration name can't be empty: leave `name` out to use the function's name",
        ));
    }
    Ok(name)
}

fn parse_down(value: &Value) -> syn::Result<ExprPath> {
    match value.parse::<ExprPath>() {
        Ok(path) if path.attrs.is_empty() => Ok(path),
        Err(Some(err)) => Err(err),
        _ => Err(match value.parse::<LitStr>() {
            Ok(lit) => syn::Error::new(
                lit.span(),
                format!(
                    "`down` takes a path, not a string: write `down = {}`",
                    lit.value()
                ),
            ),
            Err(_) => value.error(
                "`down` takes the path of the hand-written down function, \
                 such as `down = restore_legacy`",
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    /// The messages of every error parsing `args` produces.
    fn errors(args: TokenStream) -> Vec<String> {
        match parse(args) {
            Ok(attr) => panic!("expected errors, parsed id {}", attr.id),
            Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    fn ok(args: TokenStream) -> MigrationAttr {
        match parse(args) {
            Ok(attr) => attr,
            Err(err) => panic!("expected success, got {:?}", errors_of(err)),
        }
    }

    fn errors_of(err: syn::Error) -> Vec<String> {
        err.into_iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn id_only() {
        let attr = ok(quote!(id = 20261121_090000));
        assert_eq!(attr.id, 20_261_121_090_000);
        assert_eq!(attr.name, None);
        assert!(matches!(attr.down, DownKind::Auto));
        assert!(!attr.down.is_manual_mode());
    }

    #[test]
    fn zero_and_max_ids() {
        assert_eq!(ok(quote!(id = 0)).id, 0);
        assert_eq!(ok(quote!(id = 9223372036854775807)).id, i64::MAX);
    }

    #[test]
    fn all_keys_and_trailing_comma() {
        let attr = ok(quote!(id = 1, name = "drop legacy", down = restore_legacy,));
        assert_eq!(attr.id, 1);
        assert_eq!(attr.name.as_deref(), Some("drop legacy"));
        match attr.down {
            DownKind::Manual(path) => {
                assert_eq!(path.to_token_stream().to_string(), "restore_legacy");
            }
            _ => panic!("expected Manual"),
        }
    }

    #[test]
    fn keys_in_any_order() {
        let attr = ok(quote!(irreversible, name = "x", id = 7));
        assert_eq!(attr.id, 7);
        assert!(matches!(attr.down, DownKind::Irreversible));
        assert!(attr.down.is_manual_mode());
    }

    #[test]
    fn down_takes_a_longer_path() {
        let attr = ok(quote!(id = 1, down = super::downs::restore));
        assert!(matches!(attr.down, DownKind::Manual(_)));
    }

    #[test]
    fn missing_id() {
        let expected = "missing migration id: write `#[migration(id = 20261121_090000)]`, \
                        a number unique in the crate that orders the migrations, \
                        such as the creation time as YYYYMMDD_HHMMSS";
        assert_eq!(errors(quote!()), [expected]);
        assert_eq!(errors(quote!(name = "x")), [expected]);
    }

    #[test]
    fn id_without_its_key() {
        assert_eq!(
            errors(quote!(20261121_090000)),
            ["the id needs its key: write `#[migration(id = 20261121_090000)]`"]
        );
    }

    #[test]
    fn bad_ids() {
        for args in [
            quote!(id = "20261121"),
            quote!(id = -5),
            quote!(id = 1.5),
            quote!(id = some::CONST),
            quote!(id = 20261121 090000),
            quote!(id = (1)),
            quote!(id =),
        ] {
            assert_eq!(errors(args), [ID_HELP]);
        }
    }

    #[test]
    fn id_with_a_suffix() {
        assert_eq!(
            errors(quote!(id = 20261121_090000i64)),
            [format!(
                "remove the `i64` suffix: {ID_HELP}, with no type suffix"
            )]
        );
    }

    #[test]
    fn id_too_large() {
        assert_eq!(
            errors(quote!(id = 9223372036854775808)),
            [
                "migration id `9223372036854775808` is too large: it must fit in an `i64` \
                 (at most 9223372036854775807)"
            ]
        );
    }

    #[test]
    fn id_without_a_value() {
        assert_eq!(
            errors(quote!(id)),
            ["`id` needs a value: write `id = 20261121_090000`"]
        );
    }

    #[test]
    fn missing_comma() {
        assert_eq!(
            errors(quote!(id = 1 name = "x")),
            ["expected `,` before `name`"]
        );
    }

    #[test]
    fn duplicate_keys() {
        assert_eq!(
            errors(quote!(id = 1, id = 2, name = "a", name = "b")),
            ["`id` is given twice", "`name` is given twice"]
        );
        assert_eq!(
            errors(quote!(id = 1, irreversible, irreversible)),
            ["`irreversible` is given twice"]
        );
    }

    #[test]
    fn down_and_irreversible_conflict() {
        assert_eq!(errors(quote!(id = 1, down = f, irreversible)), [CONFLICT]);
        assert_eq!(errors(quote!(irreversible, id = 1, down = f)), [CONFLICT]);
    }

    #[test]
    fn unknown_keys() {
        assert_eq!(
            errors(quote!(id = 1, foo = 2, bar, baz::qux = 3)),
            [
                "unknown key `foo`; expected one of `id`, `name`, `down`, `irreversible`",
                "unknown key `bar`; expected one of `id`, `name`, `down`, `irreversible`",
                "unknown key `baz::qux`; expected one of `id`, `name`, `down`, `irreversible`",
            ]
        );
    }

    #[test]
    fn typos_get_a_suggestion() {
        assert_eq!(
            errors(quote!(id = 1, irreversable)),
            ["unknown key `irreversable`; did you mean `irreversible`?"]
        );
        assert_eq!(
            errors(quote!(id = 1, nmae = "x", donw = f, Irreversible)),
            [
                "unknown key `nmae`; did you mean `name`?",
                "unknown key `donw`; did you mean `down`?",
                "unknown key `Irreversible`; did you mean `irreversible`?",
            ]
        );
        assert_eq!(
            errors(quote!(ids = 1)),
            ["unknown key `ids`; did you mean `id`?"]
        );
        assert_eq!(
            errors(quote!(id = 1, reversible)),
            [
                "unknown key `reversible`: a migration is reversible unless it says \
              otherwise (`down = ...` or `irreversible`); remove it"
            ]
        );
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("irreversable", "irreversible"), 1);
        assert_eq!(edit_distance("donw", "down"), 1);
        assert_eq!(edit_distance("", "id"), 2);
        assert_eq!(edit_distance("foo", "down"), 3);
        assert_eq!(near_miss("foo"), None);
        assert_eq!(near_miss("up"), None);
        assert_eq!(near_miss("irreversibel"), Some("irreversible"));
        assert_eq!(near_miss("reversible"), None);
    }

    #[test]
    fn bad_names() {
        assert_eq!(
            errors(quote!(id = 1, name = "")),
            ["migration name can't be empty: leave `name` out to use the function's name"]
        );
        assert_eq!(
            errors(quote!(id = 1, name = "  ")),
            ["migration name can't be empty: leave `name` out to use the function's name"]
        );
        assert_eq!(
            errors(quote!(id = 1, name = create_users)),
            ["migration name must be a string literal such as `name = \"create users\"`"]
        );
        assert_eq!(
            errors(quote!(id = 1, name("x"))),
            ["`name` needs a value: write `name = \"create users\"`"]
        );
    }

    #[test]
    fn bad_downs() {
        assert_eq!(
            errors(quote!(id = 1, down = "restore_legacy")),
            ["`down` takes a path, not a string: write `down = restore_legacy`"]
        );
        assert_eq!(
            errors(quote!(id = 1, down = |m| ())),
            ["`down` takes the path of the hand-written down function, \
                 such as `down = restore_legacy`"]
        );
        assert_eq!(
            errors(quote!(id = 1, down)),
            ["`down` needs a value: write `down = restore_legacy`"]
        );
    }

    #[test]
    fn irreversible_takes_no_value() {
        assert_eq!(
            errors(quote!(id = 1, irreversible = true)),
            ["`irreversible` is a flag and takes no value: write just `irreversible`"]
        );
    }

    #[test]
    fn every_error_is_reported() {
        assert_eq!(
            errors(quote!(id = "x", name = "", foo, down = f, irreversible)),
            [
                ID_HELP,
                "migration name can't be empty: leave `name` out to use the function's name",
                "unknown key `foo`; expected one of `id`, `name`, `down`, `irreversible`",
                CONFLICT,
            ]
        );
    }

    #[test]
    fn manual_mode_intent() {
        assert!(wants_manual_mode(&quote!(id = "x", down = "f")));
        assert!(wants_manual_mode(&quote!(irreversible = true)));
        assert!(wants_manual_mode(&quote!(id = 1, down, irreversible)));
        assert!(!wants_manual_mode(&quote!(id = 1, name = "down")));
        assert!(!wants_manual_mode(&quote!(id = 1, name = down)));
        assert!(!wants_manual_mode(&quote!()));
        assert!(wants_manual_mode(&quote!(id = 1, irreversable)));
        assert!(wants_manual_mode(&quote!(id = 1, donw = f)));
        assert!(!wants_manual_mode(&quote!(id = 1, reversible)));
        assert!(!wants_manual_mode(&quote!(id = 1, nmae = "x")));
    }

    #[test]
    fn malformed_syntax_stops_without_a_spurious_missing_id() {
        // syn stops at the `+`; the id after it was never seen, so only
        // syn's own error is reported.
        let errs = errors(quote!(name = "x", + id = 1));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(!errs[0].contains("missing migration id"), "{errs:?}");
    }
}
