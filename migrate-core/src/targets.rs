//! Many targets at once: schema-per-tenant and database-per-tenant.
// [h15:targets] the fan-out lands here.
