//! Enum types: `create_enum`, `drop_enum_with`, `rename_enum_value`. (`drop_enum` and the
//! `add_enum_value` family, which need the migration's mode, are with [`Migration`] in
//! the parent module.)

use crate::ident::ObjectName;
use crate::mode::Mode;
use crate::step::{EnumValuePosition, Step};

use super::Migration;

impl<M: Mode> Migration<M> {
    /// `CREATE TYPE .. AS ENUM (..)`; undone by dropping it.
    pub fn create_enum(
        &mut self,
        name: impl Into<ObjectName>,
        values: impl IntoIterator<Item = impl Into<String>>,
    ) -> &mut Self {
        self.push(Step::CreateEnum {
            name: name.into(),
            values: values.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// `DROP TYPE` of an enum, with its values so the down can re-create it.
    pub fn drop_enum_with(
        &mut self,
        name: impl Into<ObjectName>,
        values: impl IntoIterator<Item = impl Into<String>>,
    ) -> &mut Self {
        self.push(Step::DropEnum {
            name: name.into(),
            values: Some(values.into_iter().map(Into::into).collect()),
        });
        self
    }
}

impl<M: Mode> Migration<M> {
    pub(super) fn enum_value(
        &mut self,
        name: ObjectName,
        value: String,
        position: Option<EnumValuePosition>,
    ) -> &mut Self {
        self.push(Step::AddEnumValue {
            name,
            value,
            position,
        });
        self
    }

    /// `ALTER TYPE .. RENAME VALUE .. TO ..`.
    pub fn rename_enum_value(
        &mut self,
        name: impl Into<ObjectName>,
        from: impl Into<String>,
        to: impl Into<String>,
    ) -> &mut Self {
        self.push(Step::RenameEnumValue {
            name: name.into(),
            from: from.into(),
            to: to.into(),
        });
        self
    }
}
