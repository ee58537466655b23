-- The fingerprint (SHA-256 of the DDL) of each projection's tables as they were created. A
-- projector whose DDL changed is rebuilt from position 0 into new tables at startup.
create table if not exists projection_schemas (
    projection  text primary key,
    fingerprint text not null,
    updated_at  text not null
);
