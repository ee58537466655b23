-- the append-only event log; global_position is commit order because SQLite has one writer
create table if not exists events (
    global_position integer primary key autoincrement,
    event_id        text    not null unique,
    stream_id       text    not null,
    stream_type     text    not null,
    stream_version  integer not null check (stream_version > 0),
    event_type      text    not null,
    schema_version  integer not null check (schema_version > 0),
    payload         text    not null check (json_valid(payload)),
    metadata        text    not null check (json_valid(metadata)),
    correlation_id  text,
    causation_id    text,
    recorded_at     text    not null,
    -- sha-256 over this event's bytes and the hash of the stream's previous event
    hash            text    not null,
    unique (stream_id, stream_version)
) strict;

create index if not exists events_type_position on events (stream_type, global_position);
create index if not exists events_correlation on events (correlation_id);

-- set-wide uniqueness (one user per partner and email ...), written in the append transaction
create table if not exists unique_claims (
    scope        text not null,
    value        text not null,
    owner_stream text not null,
    primary key (scope, value)
) strict;

-- how far each projector has applied the log; updated in the same transaction as its tables
create table if not exists projection_checkpoints (
    projection    text    primary key,
    last_tx       integer not null default 0,
    last_position integer not null default 0,
    updated_at    text    not null
) strict;

-- signing keys for access tokens (newest active key signs; older ones still verify)
create table if not exists signing_keys (
    kid         text primary key,
    -- 1 for the first key, +1 per rotation: racing instances cannot both add "the first" key
    generation  integer not null unique,
    algorithm   text not null,
    private_der text not null,
    public_raw  text not null,
    created_at  text not null
) strict;
