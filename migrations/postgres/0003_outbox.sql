-- Messages to send (one-time codes by email or SMS), written in the same transaction as the
-- events that caused them. The body holds the code in clear only until the message is sent.
create table if not exists outbox (
    id         text primary key,
    channel    text not null,
    recipient  text not null,
    subject    text not null,
    body       text not null,
    created_at text not null,
    due_at     text not null,
    sent_at    text,
    attempts   integer not null default 0,
    last_error text
);
create index if not exists outbox_due on outbox (due_at) where sent_at is null;

-- Signatures of bootstrap requests already accepted: a signature works once. Rows older than
-- the signature window are removed as new ones arrive.
create table if not exists seen_signatures (
    signature text primary key,
    seen_at   text not null
);
