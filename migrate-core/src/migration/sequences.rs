//! The recorder methods of one family: sequences, domains and type renames.
