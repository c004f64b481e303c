//! Test databases cloned from a migrated template.
// [h15:testing] the fixture lands here.
