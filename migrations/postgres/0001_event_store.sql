-- the append-only event log. positions are handed out at insert, not at commit, so readers
-- order by (transaction_id, global_position) and stop below the oldest running transaction
create table if not exists events (
    global_position bigint generated always as identity primary key,
    transaction_id  xid8        not null default pg_current_xact_id(),
    event_id        uuid        not null unique,
    stream_id       text        not null,
    stream_type     text        not null,
    stream_version  bigint      not null check (stream_version > 0),
    event_type      text        not null,
    schema_version  integer     not null check (schema_version > 0),
    -- json, not jsonb: the stored text must stay byte-exact for the hash chain
    payload         json        not null,
    metadata        json        not null,
    correlation_id  text,
    causation_id    text,
    recorded_at     timestamptz not null,
    hash            text        not null,
    constraint events_stream_version_unique unique (stream_id, stream_version)
);

create index if not exists events_tx_position on events (transaction_id, global_position);
create index if not exists events_type_position on events (stream_type, global_position);
create index if not exists events_correlation on events (correlation_id);

create table if not exists unique_claims (
    scope        text not null,
    value        text not null,
    owner_stream text not null,
    primary key (scope, value)
);

create table if not exists projection_checkpoints (
    projection    text        primary key,
    last_tx       bigint      not null default 0,
    last_position bigint      not null default 0,
    updated_at    timestamptz not null default now()
);

create table if not exists signing_keys (
    kid         text primary key,
    -- 1 for the first key, +1 per rotation: racing instances cannot both add "the first" key
    generation  integer not null unique,
    algorithm   text not null,
    private_der text not null,
    public_raw  text not null,
    created_at  text not null
);
