-- One data key per person (key_id: the user id), wrapped by the master key. Personal data in
-- event payloads is encrypted with it; erasing the person deletes the row, and what it
-- encrypted can no longer be read (crypto-shredding). Not events: a key must be destroyable.
create table if not exists data_keys (
    key_id     text primary key,
    wrapped    text not null,
    created_at text not null
);
