//! Migrations registered by `#[migration]`, collected at link time through `inventory`.

use crate::error::Error;
pub(crate) use crate::location::Location;
use crate::migration::{Migration, Recorded};
use crate::mode::Mode;

/// One migration as the `#[migration]` attribute registers it. Built by the macro;
/// tests may build their own.
#[derive(Debug)]
pub struct Registration {
    /// The migration's id: it orders migrations.
    pub id: i64,
    /// Its name (the function's, unless `name = ".."` says otherwise).
    pub name: &'static str,
    /// Source file of the function.
    pub file: &'static str,
    /// Line of the function's name.
    pub line: u32,
    /// Module path of the function.
    pub module_path: &'static str,
    /// Records the way up.
    pub up: Up,
    /// How the way down is obtained.
    pub down: Down,
}

/// The migration function.
#[derive(Clone, Copy, Debug)]
pub enum Up {
    /// A function whose down is derived.
    Reversible(fn(&mut Migration<crate::Reversible>)),
    /// A function with a hand-written down, or none.
    Manual(fn(&mut Migration<crate::Manual>)),
}

impl Up {
    /// Records the steps.
    pub fn record(&self) -> Recorded {
        match *self {
            Up::Reversible(f) => record(f),
            Up::Manual(f) => record(f),
        }
    }
}

/// How a migration's down is obtained.
#[derive(Clone, Copy, Debug)]
pub enum Down {
    /// Derived from the up, step by step.
    Auto,
    /// A hand-written down function.
    Manual(fn() -> Recorded),
    /// None: the migration is declared irreversible.
    Irreversible,
}

inventory::collect!(Registration);

impl Registration {
    /// Where the migration is defined.
    pub fn location(&self) -> Location {
        Location {
            file: self.file,
            line: self.line,
            module_path: self.module_path,
        }
    }
}

/// The migrations of a program, sorted by id, with unique ids.
#[derive(Debug, Clone)]
pub struct Migrations {
    list: Vec<&'static Registration>,
}

impl Migrations {
    /// Every migration registered with `#[migration]` in the crates linked into this
    /// program.
    ///
    /// Fails when two share an id (naming both places) and when there are none: then
    /// the crate or module holding them is most likely not linked in (see
    /// [`Error::NoMigrations`]).
    pub fn registered() -> Result<Self, Error> {
        let set = Self::from_registrations(inventory::iter::<Registration>)?;
        if set.list.is_empty() {
            return Err(Error::NoMigrations);
        }
        Ok(set)
    }

    /// Every migration registered in the crates linked into this program, like
    /// [`registered`](Self::registered), but an empty set is no error: for `diff`,
    /// which can write a program's first migration.
    pub fn linked() -> Result<Self, Error> {
        Self::from_registrations(inventory::iter::<Registration>)
    }

    /// The given migrations, sorted by id; fails on a duplicate id. An empty set is
    /// allowed here.
    pub fn from_registrations(
        registrations: impl IntoIterator<Item = &'static Registration>,
    ) -> Result<Self, Error> {
        let mut list: Vec<_> = registrations.into_iter().collect();
        list.sort_by(|a, b| {
            a.id.cmp(&b.id)
                .then_with(|| a.location().to_string().cmp(&b.location().to_string()))
        });
        if let Some(pair) = list.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(Error::DuplicateId {
                id: pair[0].id,
                first: pair[0].location(),
                second: pair[1].location(),
            });
        }
        Ok(Self { list })
    }

    /// Only the migrations defined in the module `path` or below it (e.g.
    /// `"my_app::migrations"`): useful in tests, where every migration linked into the
    /// test binary is registered.
    pub fn in_module(&self, path: &str) -> Self {
        let list = self
            .list
            .iter()
            .copied()
            .filter(|r| {
                r.module_path == path
                    || r.module_path
                        .strip_prefix(path)
                        .is_some_and(|rest| rest.starts_with("::"))
            })
            .collect();
        Self { list }
    }

    /// The migrations, by ascending id.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'static Registration> + '_ {
        self.list.iter().copied()
    }

    /// The migrations, by ascending id, as a slice.
    pub(crate) fn as_slice(&self) -> &[&'static Registration] {
        &self.list
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The migration with this id.
    pub fn get(&self, id: i64) -> Option<&'static Registration> {
        self.list
            .binary_search_by_key(&id, |r| r.id)
            .ok()
            .map(|i| self.list[i])
    }
}

/// Records a migration function in a given mode (used by the macro's output).
pub fn record<M: Mode>(f: fn(&mut Migration<M>)) -> Recorded {
    let mut m = Migration::<M>::new();
    f(&mut m);
    m.finish()
}

/// Records a hand-written down function, whichever mode its signature names.
pub fn record_down<M: Mode, F: FnOnce(&mut Migration<M>)>(f: F) -> Recorded {
    let mut m = Migration::<M>::new();
    f(&mut m);
    m.finish()
}
