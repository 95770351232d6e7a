#include "core/catalog/schema.h"

#include "core/catalog/database.h"

#include <array>
#include <string>

namespace lookalike::catalog {

namespace {

// Version 1: items and the files they came from, thumbnails, groups, import runs and errors.
// Thumbnails live in their own table so that listing items never reads image bytes.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    content_hash  BLOB    NOT NULL UNIQUE CHECK (length(content_hash) = 32),
    source_path   TEXT    NOT NULL CHECK (length(source_path) > 0),
    display_name  TEXT    NOT NULL,
    width         INTEGER NOT NULL CHECK (width > 0),
    height        INTEGER NOT NULL CHECK (height > 0),
    file_size     INTEGER NOT NULL CHECK (file_size > 0),
    mtime_ns      INTEGER NOT NULL,
    imported_at   INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE thumbnails (
    item_id  INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    width    INTEGER NOT NULL CHECK (width > 0),
    height   INTEGER NOT NULL CHECK (height > 0),
    jpeg     BLOB    NOT NULL CHECK (length(jpeg) > 0)
);

-- Every path an item was seen at; the same bytes at two paths are one item.
CREATE TABLE item_files (
    path       TEXT    PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    file_size  INTEGER NOT NULL,
    mtime_ns   INTEGER NOT NULL
);
CREATE INDEX item_files_by_item ON item_files(item_id);

CREATE TABLE folders (
    path      TEXT    PRIMARY KEY,
    added_at  INTEGER NOT NULL
);

CREATE TABLE groups (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
    created_at  INTEGER NOT NULL
);

CREATE TABLE group_members (
    group_id  INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    item_id   INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (group_id, item_id)
) WITHOUT ROWID;
CREATE INDEX group_members_by_item ON group_members(item_id);

CREATE TABLE import_runs (
    id           INTEGER PRIMARY KEY,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    roots        TEXT    NOT NULL,
    imported     INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,
    duplicates   INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    cancelled    INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1))
);

CREATE TABLE import_errors (
    id      INTEGER PRIMARY KEY,
    run_id  INTEGER NOT NULL REFERENCES import_runs(id) ON DELETE CASCADE,
    path    TEXT    NOT NULL,
    reason  TEXT    NOT NULL
);
CREATE INDEX import_errors_by_run ON import_errors(run_id);
)sql";

// Version 2: curation and look-alikes.
// - An item belongs to at most one group (group_members keyed by item; an old item in several
//   groups keeps the one it joined first).
// - "Not similar" marks between two items, stored once per pair (item_a < item_b).
// - Embedding models, the vectors each made for every item, the search index file built from
//   them, and the library's settings (which model is active).
// Model ids are AUTOINCREMENT so that an index file can never be mistaken for a newer model
// that reused a deleted id; embeddings too, so that "the newest embedding rowid" only grows.
constexpr std::string_view kVersion2 = R"sql(
CREATE TABLE group_members_v2 (
    item_id   INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    group_id  INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    added_at  INTEGER NOT NULL
);
INSERT INTO group_members_v2 (item_id, group_id, added_at)
    SELECT item_id, group_id, min(added_at) FROM group_members GROUP BY item_id;
DROP TABLE group_members;
ALTER TABLE group_members_v2 RENAME TO group_members;
CREATE INDEX group_members_by_group ON group_members(group_id);

CREATE TABLE not_similar (
    item_a      INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    item_b      INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (item_a, item_b),
    CHECK (item_a < item_b)
) WITHOUT ROWID;
CREATE INDEX not_similar_by_b ON not_similar(item_b);

CREATE TABLE models (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL CHECK (kind IN ('descriptors', 'network')),
    state       TEXT    NOT NULL CHECK (state IN ('building', 'ready', 'failed')),
    parent_id   INTEGER REFERENCES models(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    dimension   INTEGER NOT NULL CHECK (dimension > 0),
    recipe      TEXT    NOT NULL,
    metrics     TEXT    NOT NULL DEFAULT '',
    weights     BLOB
);

CREATE TABLE embeddings (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id  INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    item_id   INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    vector    BLOB    NOT NULL,
    UNIQUE (model_id, item_id)
);
CREATE INDEX embeddings_by_item ON embeddings(item_id);

CREATE TABLE search_indexes (
    model_id        INTEGER PRIMARY KEY REFERENCES models(id) ON DELETE CASCADE,
    file_name       TEXT    NOT NULL,
    element_count   INTEGER NOT NULL,
    dimension       INTEGER NOT NULL,
    checksum        TEXT    NOT NULL,
    last_embedding  INTEGER NOT NULL,
    built_at        INTEGER NOT NULL
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Version 3: product data from the shop (a SKU, a name, a price, a product page). Photos that
// share a SKU are one product; a photo belongs to at most one product. A product without a SKU
// is the data a CSV gave one photo by its file alone. Prices are kept as the shop wrote them.
constexpr std::string_view kVersion3 = R"sql(
CREATE TABLE products (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    sku         TEXT    UNIQUE CHECK (sku IS NULL OR length(sku) > 0),
    name        TEXT    NOT NULL DEFAULT '',
    price       TEXT    NOT NULL DEFAULT '',
    url         TEXT    NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL
);

CREATE TABLE item_products (
    item_id     INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    product_id  INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE
);
CREATE INDEX item_products_by_product ON item_products(product_id);
)sql";

constexpr std::array kMigrations{
    Migration{1, kVersion1},
    Migration{2, kVersion2},
    Migration{3, kVersion3},
};

// PostgreSQL libraries start at version 2, the same tables as SQLite's after its version 2,
// in PostgreSQL's types. Every later version is added to both lists under the same number.
// - Text compares byte by byte (COLLATE "C"), as in SQLite, whatever the database's locale;
//   group names are unique ignoring case through an index on lower(name).
// - Identity ids are never reused, like SQLite's AUTOINCREMENT.
// - Thumbnails, weights and vectors are stored uncompressed (STORAGE EXTERNAL): JPEG and
//   floats do not compress, and the server would spend its time trying.
constexpr std::string_view kPostgresVersion2 = R"sql(
CREATE TABLE items (
    id            BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    content_hash  BYTEA   NOT NULL UNIQUE CHECK (length(content_hash) = 32),
    source_path   TEXT    COLLATE "C" NOT NULL CHECK (length(source_path) > 0),
    display_name  TEXT    COLLATE "C" NOT NULL,
    width         BIGINT  NOT NULL CHECK (width > 0),
    height        BIGINT  NOT NULL CHECK (height > 0),
    file_size     BIGINT  NOT NULL CHECK (file_size > 0),
    mtime_ns      BIGINT  NOT NULL,
    imported_at   BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

CREATE TABLE thumbnails (
    item_id  BIGINT  PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    width    BIGINT  NOT NULL CHECK (width > 0),
    height   BIGINT  NOT NULL CHECK (height > 0),
    jpeg     BYTEA   NOT NULL CHECK (length(jpeg) > 0)
);
ALTER TABLE thumbnails ALTER COLUMN jpeg SET STORAGE EXTERNAL;

CREATE TABLE item_files (
    path       TEXT    COLLATE "C" PRIMARY KEY,
    item_id    BIGINT  NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    file_size  BIGINT  NOT NULL,
    mtime_ns   BIGINT  NOT NULL
);
CREATE INDEX item_files_by_item ON item_files(item_id);

CREATE TABLE folders (
    path      TEXT    COLLATE "C" PRIMARY KEY,
    added_at  BIGINT  NOT NULL
);

CREATE TABLE groups (
    id          BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name        TEXT    COLLATE "C" NOT NULL CHECK (length(trim(name)) > 0),
    created_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX groups_by_name ON groups (lower(name));

CREATE TABLE group_members (
    item_id   BIGINT  PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    group_id  BIGINT  NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    added_at  BIGINT  NOT NULL
);
CREATE INDEX group_members_by_group ON group_members(group_id);

CREATE TABLE import_runs (
    id           BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    started_at   BIGINT  NOT NULL,
    finished_at  BIGINT,
    roots        TEXT    COLLATE "C" NOT NULL,
    imported     BIGINT  NOT NULL DEFAULT 0,
    updated      BIGINT  NOT NULL DEFAULT 0,
    skipped      BIGINT  NOT NULL DEFAULT 0,
    duplicates   BIGINT  NOT NULL DEFAULT 0,
    failed       BIGINT  NOT NULL DEFAULT 0,
    cancelled    BIGINT  NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1))
);

CREATE TABLE import_errors (
    id      BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    run_id  BIGINT  NOT NULL REFERENCES import_runs(id) ON DELETE CASCADE,
    path    TEXT    COLLATE "C" NOT NULL,
    reason  TEXT    NOT NULL
);
CREATE INDEX import_errors_by_run ON import_errors(run_id);

CREATE TABLE not_similar (
    item_a      BIGINT  NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    item_b      BIGINT  NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (item_a, item_b),
    CHECK (item_a < item_b)
);
CREATE INDEX not_similar_by_b ON not_similar(item_b);

CREATE TABLE models (
    id          BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('descriptors', 'network')),
    state       TEXT    NOT NULL CHECK (state IN ('building', 'ready', 'failed')),
    parent_id   BIGINT  REFERENCES models(id) ON DELETE SET NULL,
    created_at  BIGINT  NOT NULL,
    dimension   BIGINT  NOT NULL CHECK (dimension > 0),
    recipe      TEXT    NOT NULL,
    metrics     TEXT    NOT NULL DEFAULT '',
    weights     BYTEA
);
ALTER TABLE models ALTER COLUMN weights SET STORAGE EXTERNAL;

CREATE TABLE embeddings (
    id        BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    model_id  BIGINT  NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    item_id   BIGINT  NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    vector    BYTEA   NOT NULL,
    UNIQUE (model_id, item_id)
);
ALTER TABLE embeddings ALTER COLUMN vector SET STORAGE EXTERNAL;
CREATE INDEX embeddings_by_item ON embeddings(item_id);
CREATE INDEX embeddings_by_model_row ON embeddings(model_id, id);

CREATE TABLE search_indexes (
    model_id        BIGINT  PRIMARY KEY REFERENCES models(id) ON DELETE CASCADE,
    file_name       TEXT    NOT NULL,
    element_count   BIGINT  NOT NULL,
    dimension       BIGINT  NOT NULL,
    checksum        TEXT    NOT NULL,
    last_embedding  BIGINT  NOT NULL,
    built_at        BIGINT  NOT NULL
);

CREATE TABLE settings (
    key    TEXT  COLLATE "C" PRIMARY KEY,
    value  TEXT  NOT NULL
);
)sql";

constexpr std::string_view kPostgresVersion3 = R"sql(
CREATE TABLE products (
    id          BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    sku         TEXT    COLLATE "C" UNIQUE CHECK (sku IS NULL OR length(sku) > 0),
    name        TEXT    COLLATE "C" NOT NULL DEFAULT '',
    price       TEXT    COLLATE "C" NOT NULL DEFAULT '',
    url         TEXT    COLLATE "C" NOT NULL DEFAULT '',
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE item_products (
    item_id     BIGINT  PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    product_id  BIGINT  NOT NULL REFERENCES products(id) ON DELETE CASCADE
);
CREATE INDEX item_products_by_product ON item_products(product_id);
)sql";

constexpr std::array kPostgresMigrations{
    Migration{2, kPostgresVersion2},
    Migration{3, kPostgresVersion3},
};

}  // namespace

std::span<const Migration> migrations(Dialect dialect) {
    if (dialect == Dialect::Postgres)
        return kPostgresMigrations;
    return kMigrations;
}

int latestSchemaVersion() {
    static_assert(kMigrations.back().version == kPostgresMigrations.back().version,
                  "both backends end at the same schema version");
    return kMigrations.back().version;
}

void migrate(Connection& connection) {
    int current = connection.userVersion();
    if (current > latestSchemaVersion())
        throw LibraryError("This library was created by a newer version of Lookalike (catalog "
                           "schema " + std::to_string(current) + ", this version knows up to " +
                           std::to_string(latestSchemaVersion()) + "). Please update Lookalike.");
    for (const Migration& migration : migrations(connection.dialect())) {
        if (migration.version <= current)
            continue;
        Transaction transaction(connection);
        // Re-read inside the write lock: another process may have migrated meanwhile.
        if (connection.userVersion() >= migration.version)
            continue;
        connection.execute(migration.sql);
        connection.setUserVersion(migration.version);
        transaction.commit();
    }
}

}  // namespace lookalike::catalog
