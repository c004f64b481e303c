//! Layering: the top-level modules of each crate form a graph without cycles.
//!
//! Each crate's `src/` tree is parsed (with `syn`); every `crate::a::..`,
//! `use crate::{a, b}`, `super::..` and `self::..` reference outside `#[cfg(test)]`
//! code is mapped to the top-level module it names (a name re-exported at the crate
//! root counts for the module it comes from; an item defined in `lib.rs` itself is the
//! node `lib.rs`). A cycle among those modules fails the test, naming the modules
//! and, for each edge, the files that make it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// `from -> to -> files (relative to src/) that make the edge`.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// The node for items defined in the crate root itself.
const ROOT: &str = "lib.rs";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.map(|e| e.path()).unwrap_or_default())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn parse(path: &Path) -> syn::File {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

/// Every path a `use` tree brings in, as segments (`use a::{b, c::d}` gives
/// `a::b` and `a::c::d`; a glob ends at its parent).
fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix.clone();
            if n.ident != "self" {
                path.push(n.ident.to_string());
            }
            out.push(path);
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            if r.ident != "self" {
                path.push(r.ident.to_string());
            }
            out.push(path);
        }
        syn::UseTree::Glob(_) => out.push(prefix.clone()),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_paths(t, prefix, out);
            }
        }
    }
}

/// What the crate root declares: its modules, the names it re-exports (scope "" for
/// the root, else the inline module's name, mapped to the module they come from),
/// and its inline modules.
struct Root {
    modules: BTreeSet<String>,
    inline: BTreeSet<String>,
    reexports: HashMap<(String, String), String>,
}

impl Root {
    fn read(lib: &syn::File) -> Self {
        let modules: BTreeSet<String> = lib
            .items
            .iter()
            .filter_map(|i| match i {
                syn::Item::Mod(m) if m.content.is_none() => Some(m.ident.to_string()),
                _ => None,
            })
            .collect();
        let mut root = Root {
            modules,
            inline: BTreeSet::new(),
            reexports: HashMap::new(),
        };
        root.collect_uses("", &lib.items);
        for item in &lib.items {
            if let syn::Item::Mod(m) = item
                && let Some((_, items)) = &m.content
            {
                root.inline.insert(m.ident.to_string());
                root.collect_uses(&m.ident.to_string(), items);
            }
        }
        root
    }

    fn collect_uses(&mut self, scope: &str, items: &[syn::Item]) {
        for item in items {
            let syn::Item::Use(u) = item else { continue };
            let mut paths = Vec::new();
            use_paths(&u.tree, &mut Vec::new(), &mut paths);
            for path in paths {
                let source = match path.first().map(String::as_str) {
                    Some("crate") => path.get(1),
                    _ => path.first(),
                };
                let (Some(source), Some(name)) = (source, path.last()) else {
                    continue;
                };
                if self.modules.contains(source) {
                    self.reexports
                        .insert((scope.to_string(), name.clone()), source.clone());
                }
            }
        }
    }

    /// The node an absolute path (from the crate root, without `crate`) belongs to.
    fn node(&self, abs: &[String]) -> Option<String> {
        let first = abs.first()?;
        if self.modules.contains(first) {
            return Some(first.clone());
        }
        if self.inline.contains(first) {
            let name = abs.get(1)?;
            return self.reexports.get(&(first.clone(), name.clone())).cloned();
        }
        if let Some(module) = self.reexports.get(&(String::new(), first.clone())) {
            return Some(module.clone());
        }
        Some(ROOT.to_string())
    }
}

struct Refs<'a> {
    root: &'a Root,
    /// The module path of the code being visited (file modules, then inline ones).
    module: Vec<String>,
    found: BTreeSet<String>,
}

impl Refs<'_> {
    fn record(&mut self, segments: &[String]) {
        let abs: Vec<String> = match segments.first().map(String::as_str) {
            Some("crate") => segments[1..].to_vec(),
            Some("super") => {
                let supers = segments.iter().take_while(|s| *s == "super").count();
                let keep = self.module.len().saturating_sub(supers);
                let mut abs = self.module[..keep].to_vec();
                abs.extend_from_slice(&segments[supers..]);
                abs
            }
            Some("self") => {
                let mut abs = self.module.clone();
                abs.extend_from_slice(&segments[1..]);
                abs
            }
            _ => return,
        };
        if let Some(node) = self.root.node(&abs) {
            self.found.insert(node);
        }
    }

    /// `crate :: a :: b` (or `super`/`self`) sequences inside a macro's tokens.
    fn scan_tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let tokens: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                proc_macro2::TokenTree::Group(g) => self.scan_tokens(g.stream()),
                proc_macro2::TokenTree::Ident(id)
                    if (id == "crate" || id == "super" || id == "self")
                        && !matches!(i.checked_sub(1).map(|p| &tokens[p]),
                            Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '$' || p.as_char() == ':') =>
                {
                    let mut segments = vec![id.to_string()];
                    let mut j = i + 1;
                    while let (
                        Some(proc_macro2::TokenTree::Punct(a)),
                        Some(proc_macro2::TokenTree::Punct(b)),
                        Some(proc_macro2::TokenTree::Ident(next)),
                    ) = (tokens.get(j), tokens.get(j + 1), tokens.get(j + 2))
                    {
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        segments.push(next.to_string());
                        j += 3;
                    }
                    if segments.len() > 1 {
                        self.record(&segments);
                    }
                    i = j;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Refs<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Const(i) => &i.attrs,
            syn::Item::Enum(i) => &i.attrs,
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Macro(i) => &i.attrs,
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Static(i) => &i.attrs,
            syn::Item::Struct(i) => &i.attrs,
            syn::Item::Trait(i) => &i.attrs,
            syn::Item::Type(i) => &i.attrs,
            syn::Item::Use(i) => &i.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if is_cfg_test(attrs) {
            return;
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if m.content.is_some() {
            self.module.push(m.ident.to_string());
            syn::visit::visit_item_mod(self, m);
            self.module.pop();
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut paths = Vec::new();
        use_paths(&u.tree, &mut Vec::new(), &mut paths);
        for path in paths {
            self.record(&path);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.record(&segments);
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.scan_tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

/// The module graph of the crate whose sources are in `src` (`src/lib.rs` is its root).
fn module_graph(src: &Path) -> Graph {
    let lib = parse(&src.join("lib.rs"));
    let root = Root::read(&lib);
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph = Graph::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap_or(&file);
        let mut module: Vec<String> = rel
            .components()
            .map(|c| {
                c.as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_string()
            })
            .collect();
        if module.last().is_some_and(|m| m == "mod" || m == "lib") {
            module.pop();
        }
        let from = module.first().cloned().unwrap_or_else(|| ROOT.to_string());
        let mut refs = Refs {
            root: &root,
            module,
            found: BTreeSet::new(),
        };
        let ast = if rel == Path::new("lib.rs") {
            lib.clone()
        } else {
            parse(&file)
        };
        if rel == Path::new("lib.rs") {
            // The root's `use` items (and its inline modules' ones: the prelude) are the
            // facade; only the code written in lib.rs counts.
            for item in &ast.items {
                match item {
                    syn::Item::Use(_) | syn::Item::Mod(_) => {}
                    _ => refs.visit_item(item),
                }
            }
        } else {
            refs.visit_file(&ast);
        }
        for to in refs.found {
            if to != from {
                graph
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_default()
                    .insert(rel.display().to_string());
            }
        }
    }
    graph
}

/// Strongly connected components of more than one module (Tarjan).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g Graph,
        index: HashMap<&'g str, usize>,
        low: HashMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        out: Vec<Vec<String>>,
    }
    fn connect<'g>(s: &mut State<'g>, v: &'g str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flat_map(|e| e.keys()) {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                connect(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).map(|l| {
                    *l = (*l).min(lw);
                });
                let _ = lv;
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                if let Some(l) = s.low.get_mut(v) {
                    *l = (*l).min(iw);
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        graph,
        index: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            connect(&mut s, v);
        }
    }
    s.out
}

/// One shortest cycle through `start` inside `component`, as a list of modules.
fn a_cycle(graph: &Graph, component: &[String], start: &str) -> Vec<String> {
    let inside: BTreeSet<&str> = component.iter().map(String::as_str).collect();
    let mut previous: HashMap<&str, &str> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for w in graph.get(v).into_iter().flat_map(|e| e.keys()) {
            let w = w.as_str();
            if !inside.contains(w) {
                continue;
            }
            if w == start {
                // Walk back from `v` to `start`, then read it forwards: start -> .. -> v -> start.
                let mut back = vec![v];
                let mut at = v;
                while at != start {
                    at = previous[at];
                    back.push(at);
                }
                let mut cycle: Vec<String> = back.iter().rev().map(|m| m.to_string()).collect();
                cycle.push(start.to_string());
                return cycle;
            }
            if !previous.contains_key(w) && w != start {
                previous.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start.to_string()]
}

/// Fails naming every cycle of `crate_dir`'s modules, once the `allowed` edges
/// (`(from, to, why)`) are set aside; an allowed edge that no longer exists fails too,
/// so the list never outlives its reason.
fn assert_acyclic(crate_dir: &str, allowed: &[(&str, &str, &str)]) {
    let src = workspace().join(crate_dir).join("src");
    let mut graph = module_graph(&src);
    assert!(
        graph.len() > 1,
        "{crate_dir}: no module graph read from {}",
        src.display()
    );
    let mut problems = Vec::new();
    for (from, to, why) in allowed {
        let removed = graph.get_mut(*from).and_then(|e| e.remove(*to));
        if removed.is_none() {
            problems.push(format!(
                "allowed edge {from} -> {to} ({why}) no longer exists: remove it from the list"
            ));
        }
    }
    for component in cycles(&graph) {
        let cycle = a_cycle(&graph, &component, &component[0]);
        let steps: Vec<String> = cycle
            .windows(2)
            .map(|w| {
                let files: Vec<&str> = graph[&w[0]][&w[1]].iter().map(String::as_str).collect();
                format!("  {} -> {}   (in {})", w[0], w[1], files.join(", "))
            })
            .collect();
        problems.push(format!(
            "{crate_dir}: modules {{{}}} form a cycle, for example:\n{}",
            component.join(", "),
            steps.join("\n")
        ));
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n\n"));
}

#[test]
fn migrate_core_modules_have_no_cycle() {
    assert_acyclic("migrate-core", &[]);
}

#[test]
fn migrate_cli_modules_have_no_cycle() {
    assert_acyclic("migrate-cli", &[]);
}

#[test]
fn the_graph_sees_every_kind_of_reference() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let src = dir.path();
    let write = |name: &str, text: &str| {
        let path = src.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        "lib.rs",
        "mod a; mod b; mod c; mod d; pub use d::Thing;\npub struct Root;\n",
    );
    write(
        "a.rs",
        "use crate::{b, c::X};\n#[cfg(test)]\nmod tests { use crate::d; }\n",
    );
    write("b/mod.rs", "mod inner;\n");
    write("b/inner.rs", "fn f() -> super::super::Thing { todo!() }\n");
    write("c.rs", "fn g() { let _ = format!(\"{}\", crate::a::N); }\n");
    write("d.rs", "fn h(_: crate::Root) {}\n");
    let graph = module_graph(src);
    let edges: Vec<(String, String)> = graph
        .iter()
        .flat_map(|(f, e)| e.keys().map(move |t| (f.clone(), t.clone())))
        .collect();
    let pairs: Vec<(&str, &str)> = edges
        .iter()
        .map(|(f, t)| (f.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [("a", "b"), ("a", "c"), ("b", "d"), ("c", "a"), ("d", ROOT)],
        "{graph:?}"
    );
    assert_eq!(cycles(&graph), [vec!["a".to_string(), "c".to_string()]]);
}
