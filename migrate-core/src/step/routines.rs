//! The steps and definitions of one family: functions, procedures and triggers.
