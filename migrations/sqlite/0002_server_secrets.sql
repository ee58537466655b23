-- Secrets every instance sharing the database must agree on (the key that derives refresh-token
-- successors). The first insert wins; racing instances then read the same row.
create table if not exists server_secrets (
    name       text primary key,
    value      text not null,
    created_at text not null
) strict;
