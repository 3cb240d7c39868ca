"""The DuckDB store: connections with lock retry, and named, ordered migrations."""

from __future__ import annotations

import errno
import hashlib
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from flows.store.schema import MACROS, TABLES, VIEWS

# Each migration runs once, in order, inside a transaction; its name is recorded in `_migrations`.
# Never edit a migration that has shipped: add a new one.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_runs_and_rejects",
        """
        CREATE TABLE runs (
            run_id        VARCHAR PRIMARY KEY,
            edition_date  DATE NOT NULL,
            config_path   VARCHAR NOT NULL,
            started_at    TIMESTAMPTZ NOT NULL,
            finished_at   TIMESTAMPTZ,
            status        VARCHAR NOT NULL CHECK (status IN ('running', 'ok', 'partial', 'failed')),
            sources_ok    INTEGER,
            sources_failed INTEGER,
            rows_new      INTEGER,
            rows_rejected INTEGER,
            signals       INTEGER
        );
        CREATE TABLE source_runs (
            run_id      VARCHAR NOT NULL,
            source_id   VARCHAR NOT NULL,
            kind        VARCHAR NOT NULL,
            format      VARCHAR NOT NULL,
            location    VARCHAR NOT NULL,
            ok          BOOLEAN NOT NULL,
            reason      VARCHAR,
            fetch_status VARCHAR NOT NULL CHECK (fetch_status IN ('fetched', 'not_modified',
                                                                 'failed')),
            rows_read   INTEGER NOT NULL,
            rows_new    INTEGER NOT NULL,
            rows_updated INTEGER NOT NULL,
            rejected    INTEGER NOT NULL,
            unresolved  INTEGER NOT NULL,
            elapsed_s   DOUBLE,
            fetched_at  TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (run_id, source_id)
        );
        CREATE TABLE rejects (
            reject_id   VARCHAR PRIMARY KEY,   -- hash of source, kind, reason and raw text
            source_id   VARCHAR NOT NULL,
            kind        VARCHAR NOT NULL,
            reason      VARCHAR NOT NULL,
            raw         VARCHAR NOT NULL,
            first_run_id VARCHAR NOT NULL,
            first_seen  TIMESTAMPTZ NOT NULL
        );
        """,
    ),
    (
        "0002_facts",
        """
        CREATE TABLE prices (
            model          VARCHAR NOT NULL,
            provider       VARCHAR NOT NULL,
            effective_from DATE NOT NULL,
            input          DOUBLE NOT NULL CHECK (input >= 0),
            cached_input   DOUBLE CHECK (cached_input >= 0),
            cache_write    DOUBLE CHECK (cache_write >= 0),
            output         DOUBLE NOT NULL CHECK (output >= 0),
            reasoning      DOUBLE CHECK (reasoning >= 0),
            request        DOUBLE CHECK (request >= 0),
            tier_threshold_tokens BIGINT CHECK (tier_threshold_tokens > 0),
            input_above    DOUBLE CHECK (input_above >= 0),
            output_above   DOUBLE CHECK (output_above >= 0),
            effective_to   DATE,          -- when the source itself says the price ended
            source_name    VARCHAR,
            evidence_url   VARCHAR,
            row_hash       VARCHAR NOT NULL,  -- of the values: an edit is a new row
            source_id      VARCHAR NOT NULL,
            run_id         VARCHAR NOT NULL,
            fetched_at     TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (model, provider, effective_from, source_id, row_hash, fetched_at)
        );
        CREATE TABLE scores (
            model        VARCHAR NOT NULL,
            benchmark    VARCHAR NOT NULL,
            as_of        DATE NOT NULL,
            value        DOUBLE NOT NULL,
            scale        VARCHAR NOT NULL CHECK (scale IN ('percent', 'rating')),
            stderr       DOUBLE CHECK (stderr >= 0),
            version      VARCHAR,
            source_name  VARCHAR,
            evidence_url VARCHAR,
            row_hash     VARCHAR NOT NULL,
            source_id    VARCHAR NOT NULL,
            run_id       VARCHAR NOT NULL,
            fetched_at   TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (model, benchmark, as_of, source_id, row_hash, fetched_at)
        );
        CREATE TABLE run_costs (
            model          VARCHAR NOT NULL,
            benchmark      VARCHAR NOT NULL,
            as_of          DATE NOT NULL,
            total_cost_usd DOUBLE NOT NULL CHECK (total_cost_usd >= 0),
            tasks          INTEGER NOT NULL CHECK (tasks > 0),
            solved         INTEGER NOT NULL CHECK (solved >= 0),
            source_name    VARCHAR,
            evidence_url   VARCHAR,
            row_hash       VARCHAR NOT NULL,
            source_id      VARCHAR NOT NULL,
            run_id         VARCHAR NOT NULL,
            fetched_at     TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (model, benchmark, as_of, source_id, row_hash, fetched_at)
        );
        CREATE TABLE profiles (
            model            VARCHAR NOT NULL,
            verbosity        DOUBLE CHECK (verbosity > 0),
            reasoning_tokens DOUBLE CHECK (reasoning_tokens >= 0),
            ttft_s           DOUBLE CHECK (ttft_s >= 0),
            output_tps       DOUBLE CHECK (output_tps > 0),
            context_window   BIGINT CHECK (context_window > 0),
            source_name      VARCHAR,
            row_hash         VARCHAR NOT NULL,
            source_id        VARCHAR NOT NULL,
            run_id           VARCHAR NOT NULL,
            fetched_at       TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (model, source_id, row_hash, fetched_at)
        );
        CREATE TABLE entries (
            source_id   VARCHAR NOT NULL,
            entry_id    VARCHAR NOT NULL,
            title       VARCHAR,
            link        VARCHAR,
            published   TIMESTAMPTZ,
            summary     VARCHAR,
            content     VARCHAR,
            content_html VARCHAR,
            author      VARCHAR,
            bozo        BOOLEAN,
            bozo_reason VARCHAR,
            row_hash    VARCHAR NOT NULL,   -- of the entry's text: an edited entry is a new row
            run_id      VARCHAR NOT NULL,
            fetched_at  TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (source_id, entry_id, row_hash, fetched_at)
        );
        """,
    ),
    (
        "0003_estimates_signals_editions",
        """
        CREATE TABLE estimates (
            as_of          DATE NOT NULL,
            model          VARCHAR NOT NULL,
            workload       VARCHAR NOT NULL,
            benchmark      VARCHAR,
            score          DOUBLE,
            p              DOUBLE NOT NULL,
            cost_per_attempt DOUBLE NOT NULL,
            p_ok           DOUBLE NOT NULL,
            expected_attempts DOUBLE NOT NULL,
            cost_per_request DOUBLE NOT NULL,
            cost_per_success DOUBLE NOT NULL,
            daily_bill     DOUBLE NOT NULL,
            prefill_tokens_per_day DOUBLE NOT NULL,
            decode_tokens_per_day  DOUBLE NOT NULL,
            latency_p95_s  DOUBLE,
            fits_latency   BOOLEAN NOT NULL,
            fits_context   BOOLEAN NOT NULL,
            net_value_per_request DOUBLE NOT NULL,
            viable         BOOLEAN NOT NULL,
            observed_cost_per_solved DOUBLE,
            run_id         VARCHAR NOT NULL,
            PRIMARY KEY (as_of, model, workload)
        );
        CREATE TABLE signals (
            edition_date DATE NOT NULL,
            model        VARCHAR NOT NULL,
            workload     VARCHAR NOT NULL,
            baseline     VARCHAR NOT NULL,
            verdict      VARCHAR NOT NULL,
            strength     VARCHAR NOT NULL,
            cost_driver  VARCHAR NOT NULL,
            buyer_behaviour VARCHAR NOT NULL,
            delta_score  DOUBLE,
            cost_ratio   DOUBLE NOT NULL,
            claim_contradicted BOOLEAN NOT NULL,
            comparison   JSON NOT NULL,
            run_id       VARCHAR NOT NULL,
            PRIMARY KEY (edition_date, model, workload)
        );
        CREATE TABLE editions (
            edition_date DATE PRIMARY KEY,
            status       VARCHAR NOT NULL CHECK (status IN ('draft', 'approved', 'published')),
            content      JSON NOT NULL,
            html         VARCHAR NOT NULL,
            markdown     VARCHAR NOT NULL,
            text         VARCHAR NOT NULL,
            run_id       VARCHAR NOT NULL,
            updated_at   TIMESTAMPTZ NOT NULL
        );
        """,
    ),
]

MIGRATIONS += [
    (
        "0004_source_state_and_identity",
        """
        CREATE TABLE source_state (
            source_id     VARCHAR PRIMARY KEY,
            etag          VARCHAR,
            last_modified VARCHAR,
            content_hash  VARCHAR,
            last_ok_at    TIMESTAMPTZ
        );
        -- Every name a source used for a model, and the canonical id it was given.
        CREATE TABLE aliases (
            source_id   VARCHAR NOT NULL,
            source_name VARCHAR NOT NULL,
            model       VARCHAR NOT NULL,
            resolved    BOOLEAN NOT NULL,  -- false: no known model matched; kept under its own name
            first_run_id VARCHAR NOT NULL,
            PRIMARY KEY (source_id, source_name)
        );
        """,
    ),
    (
        "0005_claims_and_traces",
        """
        -- Facts read from release text (feeds, model cards), each with its evidence sentence.
        CREATE TABLE claims (
            source_id   VARCHAR NOT NULL,
            entry_id    VARCHAR NOT NULL,
            entry_hash  VARCHAR NOT NULL,  -- the entry version read (entries.row_hash)
            claim_id    VARCHAR NOT NULL,  -- hash of kind, model, benchmark, value and evidence
            kind        VARCHAR NOT NULL CHECK (kind IN ('score', 'price', 'context_window',
                                                         'cheaper')),
            model_as_written VARCHAR,
            model       VARCHAR,
            benchmark   VARCHAR,
            value       DOUBLE,
            unit        VARCHAR,
            input       DOUBLE,
            output      DOUBLE,
            cached_input DOUBLE,
            evidence    VARCHAR NOT NULL,
            published   TIMESTAMPTZ,
            run_id      VARCHAR NOT NULL,
            fetched_at  TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (source_id, entry_id, entry_hash, claim_id)
        );
        CREATE TABLE trace_summaries (
            source_id   VARCHAR NOT NULL,
            workload    VARCHAR NOT NULL,
            requests    BIGINT NOT NULL,
            span_s      DOUBLE NOT NULL,
            prompt_tokens_mean DOUBLE NOT NULL,
            prompt_tokens_p95  DOUBLE NOT NULL,
            output_tokens_mean DOUBLE NOT NULL,
            output_tokens_p95  DOUBLE NOT NULL,
            cached_share DOUBLE,
            reasoning_tokens_mean DOUBLE,
            requests_per_day DOUBLE NOT NULL,
            observed_success DOUBLE,
            latency_p95_s DOUBLE,
            first_request TIMESTAMPTZ,
            last_request  TIMESTAMPTZ,
            row_hash    VARCHAR NOT NULL,
            run_id      VARCHAR NOT NULL,
            fetched_at  TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (source_id, workload, row_hash, fetched_at)
        );
        """,
    ),
    (
        "0006_history_views",
        """
        -- The latest version of each fact (an edited row supersedes, never overwrites).
        CREATE VIEW prices_current AS SELECT * FROM prices QUALIFY row_number() OVER (
            PARTITION BY model, provider, effective_from, source_id
            ORDER BY fetched_at DESC, row_hash) = 1;
        CREATE VIEW scores_current AS SELECT * FROM scores QUALIFY row_number() OVER (
            PARTITION BY model, benchmark, as_of, source_id ORDER BY fetched_at DESC, row_hash) = 1;
        CREATE VIEW run_costs_current AS SELECT * FROM run_costs QUALIFY row_number() OVER (
            PARTITION BY model, benchmark, as_of, source_id ORDER BY fetched_at DESC, row_hash) = 1;
        CREATE VIEW profiles_current AS SELECT * FROM profiles QUALIFY row_number() OVER (
            PARTITION BY model, source_id ORDER BY fetched_at DESC, row_hash) = 1;
        CREATE VIEW entries_current AS SELECT * FROM entries QUALIFY row_number() OVER (
            PARTITION BY source_id, entry_id ORDER BY fetched_at DESC, row_hash) = 1;
        -- Price history with its end date: the source's own, else the next change's start.
        CREATE VIEW price_history AS SELECT *, coalesce(effective_to, lead(effective_from) OVER (
                PARTITION BY model, provider, source_id ORDER BY effective_from)) AS effective_until
            FROM prices_current;
        -- The prices in force on a day: SELECT * FROM prices_on(DATE '2025-08-08').
        CREATE MACRO prices_on(day) AS TABLE SELECT * FROM price_history
            WHERE effective_from <= day AND (effective_until IS NULL OR effective_until > day);
        """,
    ),
    (
        "0007_run_errors",
        """
        -- Why a run failed: its error, or that its process ended before it finished.
        ALTER TABLE runs ADD COLUMN error VARCHAR;
        """,
    ),
    (
        "0008_source_state_read_with",
        """
        -- How a source was last read (the readers' version and the alias file): when either
        -- changes, the next run reads every source again in full.
        ALTER TABLE source_state ADD COLUMN read_with VARCHAR;
        """,
    ),
    (
        "0009_rejects_last_seen",
        """
        -- The last run whose read of the source still set the row aside: a reject that a later
        -- full read no longer produces (a fixed row, a better reader) is history, not news.
        ALTER TABLE rejects ADD COLUMN last_run_id VARCHAR;
        UPDATE rejects SET last_run_id = first_run_id;
        """,
    ),
]

MIGRATIONS += [
    (
        "0010_known_from_and_run_tokens",
        """
        -- Two clocks (signal-model section 6): `known_from` is the first day this pipeline could
        -- have known the fact (the source's own date for the row, else its snapshot day). A
        -- price's `effective_from` of 1970-01-01 means the source gave no date: it then holds
        -- from `known_from`, never earlier.
        ALTER TABLE prices ADD COLUMN known_from DATE;
        ALTER TABLE scores ADD COLUMN known_from DATE;
        ALTER TABLE run_costs ADD COLUMN known_from DATE;
        UPDATE prices SET known_from = CAST(fetched_at AS DATE);
        UPDATE scores SET known_from = CAST(fetched_at AS DATE);
        UPDATE run_costs SET known_from = CAST(fetched_at AS DATE);
        -- Tokens a benchmark run used (Aider publishes them): measured tokens per request.
        ALTER TABLE run_costs ADD COLUMN prompt_tokens BIGINT;
        ALTER TABLE run_costs ADD COLUMN completion_tokens BIGINT;
        CREATE OR REPLACE VIEW prices_current AS SELECT * FROM prices QUALIFY row_number() OVER (
            PARTITION BY model, provider, effective_from, source_id
            ORDER BY fetched_at DESC, row_hash) = 1;
        CREATE OR REPLACE VIEW scores_current AS SELECT * FROM scores QUALIFY row_number() OVER (
            PARTITION BY model, benchmark, as_of, source_id ORDER BY fetched_at DESC, row_hash) = 1;
        CREATE OR REPLACE VIEW run_costs_current AS SELECT * FROM run_costs
            QUALIFY row_number() OVER (PARTITION BY model, benchmark, as_of, source_id
                                       ORDER BY fetched_at DESC, row_hash) = 1;
        -- Price history on both clocks: `valid_from` (the source's date, else the day it was
        -- known) and `effective_until` (the source's own end, else the next change's start).
        CREATE OR REPLACE VIEW price_history AS
            SELECT *, CASE WHEN effective_from = DATE '1970-01-01' THEN known_from
                           ELSE effective_from END AS valid_from,
                   coalesce(effective_to, lead(CASE WHEN effective_from = DATE '1970-01-01'
                                                    THEN known_from ELSE effective_from END)
                       OVER (PARTITION BY model, provider, source_id
                             ORDER BY CASE WHEN effective_from = DATE '1970-01-01' THEN known_from
                                           ELSE effective_from END)) AS effective_until
            FROM prices_current;
        -- The prices in force and known on a day: SELECT * FROM prices_on(DATE '2025-08-08').
        CREATE OR REPLACE MACRO prices_on(day) AS TABLE SELECT * FROM price_history
            WHERE valid_from <= day AND known_from <= day
              AND (effective_until IS NULL OR effective_until > day);
        """,
    ),
]

MIGRATIONS += [
    (
        "0011_signals_per_baseline",
        """
        -- A release is judged against the incumbent and its predecessor, a repricing against
        -- the model at its old price: one row per (model, workload, baseline, baseline_role).
        CREATE TABLE signals_v2 (
            edition_date DATE NOT NULL,
            model        VARCHAR NOT NULL,
            workload     VARCHAR NOT NULL,
            baseline     VARCHAR NOT NULL,
            baseline_role VARCHAR NOT NULL,  -- incumbent | predecessor | previous_price | given
            benchmark    VARCHAR,            -- the one both sides are graded on (null: none)
            comparable   BOOLEAN NOT NULL,
            verdict      VARCHAR NOT NULL,
            strength     VARCHAR NOT NULL,
            cost_driver  VARCHAR NOT NULL,
            buyer_behaviour VARCHAR NOT NULL,
            delta_score  DOUBLE,
            cost_ratio   DOUBLE,
            claim_contradicted BOOLEAN NOT NULL,
            comparison   JSON NOT NULL,
            run_id       VARCHAR NOT NULL,
            PRIMARY KEY (edition_date, model, workload, baseline, baseline_role)
        );
        INSERT INTO signals_v2 SELECT edition_date, model, workload, baseline, 'incumbent',
            NULL, delta_score IS NOT NULL, verdict, strength, cost_driver, buyer_behaviour,
            delta_score, cost_ratio, claim_contradicted, comparison, run_id FROM signals;
        DROP TABLE signals;
        ALTER TABLE signals_v2 RENAME TO signals;
        """,
    ),
]

MIGRATIONS += [
    (
        "0012_source_runs_meaning_changed",
        """
        -- Rows stored again with another meaning than their current version (a score's scale
        -- moving between percent and rating), per source and run.
        ALTER TABLE source_runs ADD COLUMN meaning_changed INTEGER DEFAULT 0;
        """,
    ),
]

MIGRATIONS += [
    (
        "0013_day_selection_macros",
        """
        -- What a day can use (signal-model section 6), selected the way a run selects it
        -- (flows/facts.py): per model, provider and source the price with the latest valid
        -- day, then the latest known day, among those known and in force on the day; one
        -- grouping pass and one join, so a day costs the same on one year or ten.
        -- SELECT * FROM prices_on(DATE '2025-08-08')
        CREATE OR REPLACE MACRO prices_on(day) AS TABLE
            WITH t AS NOT MATERIALIZED (
                SELECT *, CASE WHEN effective_from = DATE '1970-01-01'
                               THEN coalesce(known_from, effective_from)
                               ELSE effective_from END AS valid_from FROM prices),
            k AS NOT MATERIALIZED (
                SELECT *, (epoch(CAST(valid_from AS TIMESTAMP)) // 86400) * 2097152
                          + epoch(CAST(coalesce(known_from, valid_from) AS TIMESTAMP)) // 86400
                          AS _key FROM t),
            best AS (
                SELECT model, provider, source_id, max(_key) FILTER (
                    WHERE coalesce(known_from, valid_from) <= day AND valid_from <= day
                      AND (effective_to IS NULL OR day < effective_to)) AS _k
                FROM k GROUP BY ALL)
            SELECT k.* EXCLUDE (_key) FROM k JOIN best b USING (model, provider, source_id)
            WHERE k._key = b._k
            QUALIFY row_number() OVER (PARTITION BY model, provider, source_id
                                       ORDER BY effective_from DESC, fetched_at DESC) = 1;
        -- Per model and benchmark, the latest score (by `as_of`) published by the day, with
        -- its source (of two sources with the same day, the one read later).
        -- SELECT * FROM scores_on(DATE '2025-08-08')
        CREATE OR REPLACE MACRO scores_on(day) AS TABLE
            WITH s AS NOT MATERIALIZED (
                SELECT *, greatest(as_of, coalesce(known_from, as_of)) AS published
                FROM scores),
            best AS (SELECT model, benchmark, max(as_of) FILTER (WHERE published <= day) AS _a
                     FROM s GROUP BY ALL)
            SELECT s.* FROM s JOIN best b USING (model, benchmark)
            WHERE s.as_of = b._a AND s.published <= day
            QUALIFY row_number() OVER (PARTITION BY model, benchmark
                                       ORDER BY source_id DESC, known_from DESC,
                                                fetched_at DESC) = 1;
        """,
    ),
]


MIGRATIONS += [
    (
        "0014_editions_machine_drafts",
        """
        -- Editors' states and revisions live in the review database (review.sqlite); this
        -- table keeps each day's latest machine draft, so it no longer carries a state.
        ALTER TABLE editions DROP COLUMN status;
        """,
    ),
]


MIGRATIONS += [
    (
        "0015_analysts_views",
        """
        -- Two clocks (signal-model section 6): a fact is in force from one day and known from
        -- another. prices_as_of(day, known): the prices in force on `day` as they were known
        -- on `known`, selected the way a run selects them (flows/store/facts.py).
        --   prices_as_of(d, d): what a run on d used (prices_on(d));
        --   prices_as_of(d, current_date): what is known now about d.
        CREATE OR REPLACE MACRO prices_as_of(day, known) AS TABLE
            WITH t AS NOT MATERIALIZED (
                SELECT *, CASE WHEN effective_from = DATE '1970-01-01'
                               THEN coalesce(known_from, effective_from)
                               ELSE effective_from END AS valid_from FROM prices),
            k AS NOT MATERIALIZED (
                SELECT *, (epoch(CAST(valid_from AS TIMESTAMP)) // 86400) * 2097152
                          + epoch(CAST(coalesce(known_from, valid_from) AS TIMESTAMP)) // 86400
                          AS _key FROM t),
            best AS (
                SELECT model, provider, source_id, max(_key) FILTER (
                    WHERE coalesce(known_from, valid_from) <= known AND valid_from <= day
                      AND (effective_to IS NULL OR day < effective_to)) AS _k
                FROM k GROUP BY ALL)
            SELECT k.* EXCLUDE (_key) FROM k JOIN best b USING (model, provider, source_id)
            WHERE k._key = b._k
            QUALIFY row_number() OVER (PARTITION BY model, provider, source_id
                                       ORDER BY effective_from DESC, fetched_at DESC) = 1;
        CREATE OR REPLACE MACRO prices_on(day) AS TABLE SELECT * FROM prices_as_of(day, day);
        -- scores_as_of(day, known): per model and benchmark the latest score measured by
        -- `day` and published by `known`; scores_on(d) = scores_as_of(d, d).
        CREATE OR REPLACE MACRO scores_as_of(day, known) AS TABLE
            WITH s AS NOT MATERIALIZED (
                SELECT *, greatest(as_of, coalesce(known_from, as_of)) AS published
                FROM scores),
            best AS (SELECT model, benchmark,
                            max(as_of) FILTER (WHERE as_of <= day AND published <= known) AS _a
                     FROM s GROUP BY ALL)
            SELECT s.* FROM s JOIN best b USING (model, benchmark)
            WHERE s.as_of = b._a AND s.published <= known
            QUALIFY row_number() OVER (PARTITION BY model, benchmark
                                       ORDER BY source_id DESC, known_from DESC,
                                                fetched_at DESC) = 1;
        CREATE OR REPLACE MACRO scores_on(day) AS TABLE SELECT * FROM scores_as_of(day, day);
        -- The estimates a run (or a backfill) stored for a day: every model on every workload.
        CREATE OR REPLACE MACRO estimates_as_of(day) AS TABLE
            SELECT * FROM estimates WHERE as_of = day;
        -- Each model a release post announced, with the first day a price and a score of it
        -- were known.
        CREATE OR REPLACE VIEW releases AS
            WITH posts AS (
                SELECT c.model, e.published, e.title, e.link, e.source_id
                FROM claims c JOIN entries_current e ON e.source_id = c.source_id
                    AND e.entry_id = c.entry_id AND e.row_hash = c.entry_hash
                WHERE c.model IS NOT NULL AND e.published IS NOT NULL),
            announced AS (
                SELECT model, min(published) AS announced,
                       arg_min(title, published) AS title, arg_min(link, published) AS link,
                       arg_min(source_id, published) AS source_id
                FROM posts GROUP BY model),
            priced AS (
                SELECT model, min(CASE WHEN effective_from = DATE '1970-01-01'
                                       THEN coalesce(known_from, effective_from)
                                       ELSE greatest(effective_from,
                                                     coalesce(known_from, effective_from))
                                  END) AS first_priced
                FROM prices GROUP BY model),
            graded AS (
                SELECT model, min(greatest(as_of, coalesce(known_from, as_of))) AS first_graded
                FROM scores GROUP BY model)
            SELECT * FROM announced LEFT JOIN priced USING (model)
                LEFT JOIN graded USING (model);
        -- Every comparison with its decision check and market reads, as columns.
        CREATE OR REPLACE VIEW decision_checks AS
            SELECT edition_date, model, workload, baseline, baseline_role, benchmark,
                   comparable, verdict, strength,
                   comparison ->> 'capability' AS capability_measured,
                   cost_driver, buyer_behaviour,
                   comparison -> 'reads' ->> 'workload_cost' AS workload_cost,
                   comparison -> 'reads' ->> 'capacity' AS capacity,
                   comparison -> 'reads' ->> 'serving_volume' AS serving_volume,
                   delta_score, cost_ratio, claim_contradicted, run_id
            FROM signals;
        -- Per day and workload, the viable model with the lowest cost per successful task.
        CREATE OR REPLACE VIEW cheapest_viable AS
            SELECT as_of, workload, arg_min(model, cost_per_success) AS model,
                   min(cost_per_success) AS cost_per_success, count(*) AS viable_models
            FROM estimates WHERE viable AND cost_per_success IS NOT NULL
            GROUP BY as_of, workload;
        -- Editions whose inputs changed after they were made: a price or a score in force on
        -- the edition's day, of a model it compared, that was only known after that day (a
        -- correction, a late publication). The edition stays as made; this lists what a
        -- reader of it today should know.
        CREATE OR REPLACE VIEW restatements AS
            WITH compared AS (
                SELECT DISTINCT edition_date, model FROM signals
                UNION SELECT DISTINCT edition_date, baseline FROM signals),
            late AS (
                SELECT 'price' AS kind, model, provider || ' ' || source_id AS what,
                       CASE WHEN effective_from = DATE '1970-01-01'
                            THEN coalesce(known_from, effective_from)
                            ELSE effective_from END AS valid_from,
                       coalesce(known_from, effective_from) AS known_from, source_id
                FROM prices
                UNION ALL
                SELECT 'score', model, benchmark, as_of,
                       greatest(as_of, coalesce(known_from, as_of)), source_id
                FROM scores)
            SELECT DISTINCT e.edition_date, e.updated_at AS made_at, l.kind, l.model, l.what,
                   l.valid_from, l.known_from, l.source_id
            FROM editions e
            JOIN compared c ON c.edition_date = e.edition_date
            -- a price is the base model's (gpt-5-mini prices gpt-5-mini:medium too)
            JOIN late l ON l.model = c.model
                OR (l.kind = 'price' AND l.model = split_part(c.model, ':', 1))
            WHERE l.valid_from <= e.edition_date AND l.known_from > e.edition_date;
        """,
    ),
]


MIGRATIONS += [
    (
        "0016_run_stages",
        """
        -- Each stage of a run (ingest, signals, render, snapshot): when it started, how long
        -- it took and what it handled, written as the stage ends (a failed one too).
        CREATE TABLE run_stages (
            run_id      VARCHAR NOT NULL,
            stage       VARCHAR NOT NULL,
            started_at  TIMESTAMPTZ NOT NULL,
            seconds     DOUBLE NOT NULL,
            count       INTEGER,
            detail      VARCHAR,
            ok          BOOLEAN NOT NULL,
            PRIMARY KEY (run_id, stage)
        );
        """,
    ),
]


# Per day and workload, the cheapest viable model, as rows written with the day's estimates
# (flows/store/facts.py save_estimates): a month of them is read from thousands of rows instead
# of millions of estimates. Ties go to the first model by name. (Migration 0017 filled the table
# from the estimates then, with the same query written out.)
CHEAPEST_VIABLE = """
    SELECT as_of, workload, model, cost_per_success,
           count(*) OVER (PARTITION BY as_of, workload) AS viable_models
    FROM estimates WHERE viable AND cost_per_success IS NOT NULL {where}
    QUALIFY row_number() OVER (PARTITION BY as_of, workload
                               ORDER BY cost_per_success, model) = 1
"""

MIGRATIONS += [
    (
        "0017_cheapest_viable_table",
        """
        DROP VIEW IF EXISTS cheapest_viable;
        CREATE TABLE cheapest_viable (
            as_of DATE NOT NULL,
            workload VARCHAR NOT NULL,
            model VARCHAR NOT NULL,
            cost_per_success DOUBLE NOT NULL,
            viable_models BIGINT NOT NULL,
            PRIMARY KEY (as_of, workload)
        );
        INSERT INTO cheapest_viable
            SELECT as_of, workload, model, cost_per_success,
                   count(*) OVER (PARTITION BY as_of, workload) AS viable_models
            FROM estimates WHERE viable AND cost_per_success IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY as_of, workload
                                       ORDER BY cost_per_success, model) = 1;
        """,
    ),
]


def run(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> None:
    """Execute a statement to completion (DuckDB keeps a pending result open otherwise)."""
    con.execute(sql, params or []).fetchall()


def insert_rows(con: duckdb.DuckDBPyConnection, insert: str, rows: list[dict]) -> None:
    """`insert` (e.g. "INSERT INTO t BY NAME") the rows in one statement, through Arrow."""
    if not rows:  # a run with no sources, say: nothing to write
        return
    import pyarrow as pa  # not needed by the read-only commands

    con.register("_rows", pa.Table.from_pylist(rows))
    try:
        run(con, f"{insert} SELECT * FROM _rows")
    finally:
        con.unregister("_rows")


def store_problem(exc: BaseException, path: Path) -> str | None:
    """A plain sentence for what went wrong with the store file, or None when the error is not
    about the file: held by another process, not a readable DuckDB file, or a full disk."""
    text = str(exc)
    low = text.lower()
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "no space left" in low:
        return (
            f"the disk holding {path} is full: free some space and run again "
            "(the store was not changed by the step that failed)"
        )
    if isinstance(exc, duckdb.Error) and _is_lock_error(exc):
        return (
            f"the store {path} is held by another process (even a read-only reader blocks "
            "a run): close the other connection or query a copy (see README), then run again"
        )
    if isinstance(exc, duckdb.Error) and any(
        word in low
        for word in (
            "not a valid duckdb",
            "corrupt",
            "invalid block",
            "serialization",
            "checksum",
            "could not read enough bytes",
            "database file with version",
        )
    ):
        return (
            f"the store {path} is not a readable DuckDB file (damaged, or written by a "
            f"different DuckDB version): restore a copy or move it aside ({text})"
        )
    return None


def _is_lock_error(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower()


def connect(path: Path, read_only: bool = False, attempts: int = 8) -> duckdb.DuckDBPyConnection:
    """Open the database, retrying with backoff while another process holds its lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    delay = 0.1
    for attempt in range(attempts):
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc) or attempt == attempts - 1:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")


def comment_statements(con: duckdb.DuckDBPyConnection) -> list[str]:
    """`COMMENT ON` every declared table, column and view the store has (a declared object a
    later migration adds is commented once that migration has run)."""

    def text(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    columns = set(
        con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main'"
        ).fetchall()
    )
    tables = {t for t, _ in columns}
    out = []
    for table in TABLES.values():
        if table.name in tables:
            out.append(f"COMMENT ON TABLE {table.name} IS {text(table.comment)}")
        out += [
            f"COMMENT ON COLUMN {table.name}.{c.name} IS {text(c.comment)}"
            for c in table.columns
            if (table.name, c.name) in columns
        ]
    out += [
        f"COMMENT ON VIEW {name} IS {text(comment)}"
        for name, comment in VIEWS.items()
        if name in tables
    ]
    macros = {
        row[0]
        for row in con.execute(
            "SELECT function_name FROM duckdb_functions() "
            "WHERE function_type = 'table_macro' AND NOT internal"
        ).fetchall()
    }
    out += [
        f"COMMENT ON MACRO TABLE {name} IS {text(comment)}"
        for name, comment in MACROS.items()
        if name in macros
    ]
    return out


def _comment_step(applied: Iterable[str]) -> str:
    """The name under which the declared comments are recorded as applied to a store with the
    `applied` migrations: it changes when the declaration or the store's migrations do. Worked
    out from the declaration alone, so the check on every opening reads no catalogue."""
    declared = [
        repr((t.name, t.comment, [(c.name, c.comment) for c in t.columns])) for t in TABLES.values()
    ]
    declared += [repr(item) for item in VIEWS.items()]
    declared += [repr(item) for item in MACROS.items()]
    migrations = sorted(name for name in applied if not name.startswith("comments "))
    digest = hashlib.sha256("\n".join([*declared, *migrations]).encode()).hexdigest()
    return f"comments {digest[:16]}"


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations in order, all in one transaction (a store is upgraded wholly or
    not at all); return the names applied. The declared comments (flows/store/schema.py) are
    applied again whenever they or the store's migrations change."""
    run(
        con,
        "CREATE TABLE IF NOT EXISTS _migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ)",
    )
    done = {row[0] for row in con.execute("SELECT name FROM _migrations").fetchall()}
    pending = [(name, sql) for name, sql in MIGRATIONS if name not in done]
    step = _comment_step([*done, *(name for name, _ in pending)])
    if not pending and step in done:
        return []
    run(con, "BEGIN TRANSACTION")
    try:
        for name, sql in pending:
            run(con, sql)
            run(con, "INSERT INTO _migrations VALUES (?, now())", [name])
        if step not in done:
            for statement in comment_statements(con):
                run(con, statement)
            run(con, "DELETE FROM _migrations WHERE name LIKE 'comments %'")
            run(con, "INSERT INTO _migrations VALUES (?, now())", [step])
        run(con, "COMMIT")
    except Exception:
        run(con, "ROLLBACK")
        raise
    return [name for name, _ in pending]


@contextmanager
def open_store(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection to a migrated store, closed on exit."""
    if read_only and not path.exists():
        raise FileNotFoundError(f"no database at {path}: run `brief ingest` or `brief run` first")
    con = connect(path, read_only=read_only)
    try:
        if not read_only:
            migrate(con)
        yield con
    finally:
        con.close()


@contextmanager
def held_open(path: Path) -> Iterator[None]:
    """Keep the store open for a whole run.

    DuckDB shares one database instance among the connections of a process, so while this one is
    open every step's short-lived connection costs about 1 ms instead of about 30 ms, and no
    checkpoint runs between steps. Other processes stay locked out for the run, as they would be
    anyway while it writes.
    """
    with open_store(path):
        yield
