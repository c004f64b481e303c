//! The steps and definitions of one family: sequences, domains and type renames.
