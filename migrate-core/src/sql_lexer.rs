//! A lexer for raw SQL, as far as inspecting it needs: which words are keywords or
//! names, and which text is a string, a dollar-quoted body, a quoted identifier or a
//! comment, where a keyword means nothing.
//!
//! It follows PostgreSQL's own scanner (`scan.l`) for the regions that hide text:
//!
//! - `'..'` strings, `''` standing for a quote (backslashes are plain characters, as
//!   with `standard_conforming_strings`, on by default since PostgreSQL 9.1);
//! - `E'..'` strings, where a backslash escapes the next character too;
//! - dollar-quoted bodies, `$$..$$` and `$tag$..$tag$` (a function's body);
//! - `".."` quoted identifiers, `""` standing for a quote;
//! - `-- ..` comments to the end of the line and `/* .. */` comments, which nest.
//!
//! An unterminated region runs to the end of the text, as PostgreSQL would report it.
//! Words follow PostgreSQL's identifiers: a letter, `_` or non-ASCII character, then
//! those, digits or `$` (so `a$b$` is a name, not a dollar quote). Everything else
//! comes one character at a time. The lexer never fails: it only sorts text.
//!
//! `sqlparser`'s tokenizer does this too, but compiling that crate takes about 25 s of
//! CPU in every project that builds this one (measured: 0.64, debug, one job), for
//! the few rules below.

/// What a piece of SQL is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A keyword or an unquoted name.
    Word,
    /// A number.
    Number,
    /// A `"quoted identifier"`.
    QuotedIdent,
    /// A string literal, `'..'` or `E'..'` (the `E` included).
    String,
    /// A dollar-quoted string, `$tag$..$tag$`.
    DollarString,
    /// A `-- comment`, without its line break.
    LineComment,
    /// A `/* comment */`, nested ones included.
    BlockComment,
    /// Whitespace.
    Space,
    /// Any other character: an operator, a parenthesis, `;`, a `$1` parameter's `$`...
    Other,
}

/// One piece of SQL: its kind and its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub(crate) kind: Kind,
    pub(crate) text: &'a str,
}

/// The pieces of `sql`, in order; together they are the whole text.
pub(crate) fn tokens(sql: &str) -> Tokens<'_> {
    Tokens { sql, pos: 0 }
}

/// The words of `sql` that PostgreSQL reads as keywords or names: none from strings,
/// bodies, quoted identifiers or comments.
pub(crate) fn words(sql: &str) -> impl Iterator<Item = &str> {
    tokens(sql).filter(|t| t.kind == Kind::Word).map(|t| t.text)
}

/// Iterator over the [`Token`]s of a text.
pub(crate) struct Tokens<'a> {
    sql: &'a str,
    pos: usize,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_cont(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit() || b == b'$'
}

impl<'a> Tokens<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.sql.as_bytes()
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.bytes().get(i).copied()
    }

    /// The end of a quoted region opened at `start` (the quote itself), `doubled`
    /// quotes standing for one, `backslash` escaping the next byte.
    fn quoted(&self, start: usize, quote: u8, backslash: bool) -> usize {
        let bytes = self.bytes();
        let mut i = start + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if backslash => i += 2,
                b if b == quote => {
                    if bytes.get(i + 1) == Some(&quote) {
                        i += 2;
                    } else {
                        return i + 1;
                    }
                }
                _ => i += 1,
            }
        }
        bytes.len()
    }

    /// The end of a block comment opened at `start`.
    fn block_comment(&self, start: usize) -> usize {
        let bytes = self.bytes();
        let mut depth = 0usize;
        let mut i = start;
        while i < bytes.len() {
            match (bytes[i], bytes.get(i + 1)) {
                (b'/', Some(b'*')) => {
                    depth += 1;
                    i += 2;
                }
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        return i;
                    }
                }
                _ => i += 1,
            }
        }
        bytes.len()
    }

    /// The end of the dollar-quote opening tag at `start` (`$`), when it is one.
    fn dollar_tag(&self, start: usize) -> Option<usize> {
        let bytes = self.bytes();
        let mut i = start + 1;
        match bytes.get(i) {
            Some(b'$') => return Some(i + 1),
            Some(&b) if is_ident_start(b) => i += 1,
            _ => return None,
        }
        while let Some(&b) = bytes.get(i) {
            match b {
                b'$' => return Some(i + 1),
                b if is_ident_start(b) || b.is_ascii_digit() => i += 1,
                _ => return None,
            }
        }
        None
    }

    fn next_end(&self) -> (Kind, usize) {
        let bytes = self.bytes();
        let start = self.pos;
        let b = bytes[start];
        let next = self.at(start + 1);
        match b {
            b'-' if next == Some(b'-') => {
                let end = bytes[start..]
                    .iter()
                    .position(|&c| c == b'\n' || c == b'\r')
                    .map_or(bytes.len(), |p| start + p);
                (Kind::LineComment, end)
            }
            b'/' if next == Some(b'*') => (Kind::BlockComment, self.block_comment(start)),
            b'\'' => (Kind::String, self.quoted(start, b'\'', false)),
            b'"' => (Kind::QuotedIdent, self.quoted(start, b'"', false)),
            b'e' | b'E' if next == Some(b'\'') => {
                (Kind::String, self.quoted(start + 1, b'\'', true))
            }
            b'$' => match self.dollar_tag(start) {
                Some(tag_end) => {
                    let tag = &self.sql[start..tag_end];
                    let end = self.sql[tag_end..]
                        .find(tag)
                        .map_or(bytes.len(), |p| tag_end + p + tag.len());
                    (Kind::DollarString, end)
                }
                None => (Kind::Other, start + 1),
            },
            b if is_ident_start(b) => {
                let end = bytes[start..]
                    .iter()
                    .position(|&c| !is_ident_cont(c))
                    .map_or(bytes.len(), |p| start + p);
                (Kind::Word, end)
            }
            b if b.is_ascii_digit() => {
                let end = bytes[start..]
                    .iter()
                    .position(|&c| !(c.is_ascii_alphanumeric() || c == b'.' || c == b'_'))
                    .map_or(bytes.len(), |p| start + p);
                (Kind::Number, end)
            }
            b if b.is_ascii_whitespace() => {
                let end = bytes[start..]
                    .iter()
                    .position(|c| !c.is_ascii_whitespace())
                    .map_or(bytes.len(), |p| start + p);
                (Kind::Space, end)
            }
            _ => (Kind::Other, start + 1),
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        if self.pos >= self.sql.len() {
            return None;
        }
        let (kind, end) = self.next_end();
        // Every end lies on an ASCII byte or at the end of the text: a char boundary.
        let text = &self.sql[self.pos..end];
        self.pos = end;
        Some(Token { kind, text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(Kind, &str)> {
        tokens(sql)
            .filter(|t| t.kind != Kind::Space)
            .map(|t| (t.kind, t.text))
            .collect()
    }

    fn words_of(sql: &str) -> Vec<&str> {
        words(sql).collect()
    }

    #[test]
    fn the_tokens_cover_the_whole_text() {
        let sql = "SELECT 'a''b', E'c\\'d', $x$ e $x$, \"f\"\"g\" -- h\n/* i /* j */ k */ é$1;";
        let joined: String = tokens(sql).map(|t| t.text).collect();
        assert_eq!(joined, sql);
    }

    #[test]
    fn strings_double_their_quotes_and_keep_backslashes() {
        assert_eq!(
            kinds(r"SELECT 'it''s' x, 'a\' y"),
            [
                (Kind::Word, "SELECT"),
                (Kind::String, "'it''s'"),
                (Kind::Word, "x"),
                (Kind::Other, ","),
                // A standard string ends at the quote after the backslash.
                (Kind::String, r"'a\'"),
                (Kind::Word, "y"),
            ]
        );
    }

    #[test]
    fn escape_strings_take_backslash_escapes() {
        assert_eq!(
            kinds(r"SELECT E'a\'CONCURRENTLY\\' x, e'b''c'"),
            [
                (Kind::Word, "SELECT"),
                (Kind::String, r"E'a\'CONCURRENTLY\\'"),
                (Kind::Word, "x"),
                (Kind::Other, ","),
                (Kind::String, "e'b''c'"),
            ]
        );
        // A word ending in `e` before a quote is no escape string's prefix.
        assert_eq!(
            kinds(r"SELECT some'a\' b"),
            [
                (Kind::Word, "SELECT"),
                (Kind::Word, "some"),
                (Kind::String, r"'a\'"),
                (Kind::Word, "b"),
            ]
        );
    }

    #[test]
    fn dollar_quotes_run_to_the_same_tag() {
        assert_eq!(
            kinds("AS $$ a $x$ b $$ c"),
            [
                (Kind::Word, "AS"),
                (Kind::DollarString, "$$ a $x$ b $$"),
                (Kind::Word, "c"),
            ]
        );
        assert_eq!(
            kinds("AS $body$ $$ ' -- $body$ d"),
            [
                (Kind::Word, "AS"),
                (Kind::DollarString, "$body$ $$ ' -- $body$"),
                (Kind::Word, "d"),
            ]
        );
        // `$1` is a parameter; `a$b$` a name.
        assert_eq!(
            kinds("$1 a$b$ c"),
            [
                (Kind::Other, "$"),
                (Kind::Number, "1"),
                (Kind::Word, "a$b$"),
                (Kind::Word, "c"),
            ]
        );
    }

    #[test]
    fn quoted_identifiers_hide_their_text() {
        assert_eq!(
            words_of(r#"CREATE TABLE "CONCURRENTLY ""x""" (a int)"#),
            ["CREATE", "TABLE", "a", "int"]
        );
    }

    #[test]
    fn comments_run_to_the_end_of_the_line_or_nest() {
        assert_eq!(
            kinds("a -- b 'c\r\nd /* e /* f */ g */ h"),
            [
                (Kind::Word, "a"),
                (Kind::LineComment, "-- b 'c"),
                (Kind::Word, "d"),
                (Kind::BlockComment, "/* e /* f */ g */"),
                (Kind::Word, "h"),
            ]
        );
        // `-` and `/` alone are operators.
        assert_eq!(
            kinds("1-2/3"),
            [
                (Kind::Number, "1"),
                (Kind::Other, "-"),
                (Kind::Number, "2"),
                (Kind::Other, "/"),
                (Kind::Number, "3"),
            ]
        );
    }

    #[test]
    fn unterminated_regions_run_to_the_end() {
        for (sql, kind) in [
            ("'abc", Kind::String),
            ("E'abc\\", Kind::String),
            ("\"abc", Kind::QuotedIdent),
            ("$$ abc", Kind::DollarString),
            ("$t$ abc $u$", Kind::DollarString),
            ("/* a /* b */", Kind::BlockComment),
            ("-- abc", Kind::LineComment),
        ] {
            assert_eq!(kinds(sql), [(kind, sql)], "{sql}");
        }
    }

    #[test]
    fn non_ascii_names_are_words() {
        assert_eq!(
            words_of("SELECT café, ñ$x FROM t"),
            ["SELECT", "café", "ñ$x", "FROM", "t"]
        );
    }
}
