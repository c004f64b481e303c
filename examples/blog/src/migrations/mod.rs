//! The blog's migrations, one per file. `cargo run --bin migrate -- new NAME` adds one
//! here.

mod m20261121_090000_create_users;
mod m20261121_090100_create_posts;
mod m20261121_090200_create_tags;
mod m20261121_090300_index_posts;
mod m20261121_090400_add_profile_columns;
mod m20261121_090500_backfill_post_status;
mod m20261121_090600_rename_post_body;
mod m20261121_090700_add_full_name;
mod m20261121_090800_drop_split_names;
mod m20261121_090900_seed_tags;
