-- Requests that carried an Idempotency-Key (attaching a card, charging): the first request's
-- response, replayed to a retry with the same key and body for 24 hours. Not events: a response
-- cache that forgets on purpose. 'pending' rows belong to a request still running; one whose
-- lease (locked_until, unix seconds) ran out was abandoned by a crash and may be taken over.
create table if not exists idempotency_keys (
    scope         text not null,
    idem_key      text not null,
    request_hash  text not null,
    state         text not null,
    status        integer,
    response      text,
    locked_until  integer not null,
    expires_at    integer not null,
    primary key (scope, idem_key)
) strict;
create index if not exists idempotency_keys_expiry on idempotency_keys (expires_at);
