-- `user_view` now holds every user, for every dialect (ADR 0014). The two read models it
-- replaces, `customer_view` (suite) and `accounts` (legacy), are no longer written: drop them,
-- with their fingerprints and checkpoints, so that nothing reads them as if they were live.
drop table if exists customer_view;
drop table if exists accounts;
delete from projection_schemas where projection in ('customer_view', 'accounts');
delete from projection_checkpoints where projection in ('customer_view', 'accounts');
