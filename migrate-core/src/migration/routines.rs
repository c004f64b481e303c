//! The recorder methods of one family: functions, procedures and triggers.
