//! Rendering one family of steps: sequences, domains and type renames.
