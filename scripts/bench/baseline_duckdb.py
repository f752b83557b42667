"""The baseline: the same job as `spendkit classify` in hand-written DuckDB SQL.

    python scripts/bench/baseline_duckdb.py LEDGER.csv|.parquet SUPPLIERS.csv OUT.parquet

What a skilled analyst would write: read the ledger as text, clean amounts to integer pence
(currency signs and thousands separators removed; '(12.00)', '12.00 CR' and '-12.00' are
negative), parse UK day-first and ISO dates, reject rows with no payee, an unreadable
amount or an unreadable date; take the ledger's postcode (upper case, spaces removed) when
it is postcode-shaped, else the supplier file's (joined on Supplier ID); join to the
postcode directory (compact postcode -> district) and to the district -> class table for
Wigan (bench/out/classes-wigan.parquet; see reference.py); write the classified rows, and
the rejected rows beside them, to Parquet; aggregate pence, rows and payees per class.
Prints the aggregate as JSON ({class: {pence, rows, payees}}) so run.py can check it
against spendkit's figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

OUT = Path(__file__).resolve().parents[2] / "bench" / "out"
POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA|NPT[0-9][A-Z]{2}"  # as spendkit.normalise.postcodes.COMPACT
CLASSES = ("local", "sub_regional", "regional", "national", "outside_uk", "unknown")


def sql_str(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def main(ledger: str, suppliers: str, out: str) -> None:
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")  # row order is not needed: faster COPY
    source = (f"read_parquet({sql_str(ledger)})" if ledger.endswith(".parquet")
              else f"read_csv({sql_str(ledger)}, all_varchar = true, header = true)")
    con.execute(f"""
        CREATE TEMP TABLE typed AS
        WITH raw AS (
            SELECT *,
                trim(coalesce("Supplier Name", '')) AS payee,
                upper(replace(replace(replace(coalesce("Net Amount", ''), '£', ''), ',', ''), ' ', ''))
                    AS amt,
                trim(coalesce("Payment Date", '')) AS date_text,
                upper(replace(coalesce("Supplier Postcode", ''), ' ', '')) AS ledger_pc
            FROM {source}
        ),
        parsed AS (
            SELECT * EXCLUDE (amt),
                CAST(TRY_CAST(trim(amt, '()-CR') AS DECIMAL(18, 2))
                     * 100 AS BIGINT)
                  * CASE WHEN amt LIKE '(%)' OR amt LIKE '%CR' OR amt LIKE '-%' THEN -1 ELSE 1 END
                  AS amount_pence,
                coalesce(try_strptime(date_text, '%d/%m/%Y'),
                         try_strptime(date_text, '%Y-%m-%d'))::DATE AS payment_date
            FROM raw
        )
        SELECT *, (payee <> '' AND amount_pence IS NOT NULL
                   AND (date_text = '' OR payment_date IS NOT NULL)) AS ok
        FROM parsed
    """)
    con.execute(f"""
        CREATE VIEW classified AS
        WITH sup AS (
            SELECT "Supplier ID" AS supplier_id,
                   upper(replace(coalesce("Postcode", ''), ' ', '')) AS supplier_pc
            FROM read_csv({sql_str(suppliers)}, all_varchar = true, header = true)
            QUALIFY row_number() OVER (PARTITION BY "Supplier ID") = 1
        ),
        chosen AS (
            SELECT t.* EXCLUDE (ledger_pc, date_text, ok),
                CASE WHEN regexp_full_match(t.ledger_pc, '{POSTCODE}') THEN t.ledger_pc
                     WHEN regexp_full_match(s.supplier_pc, '{POSTCODE}') THEN s.supplier_pc
                END AS postcode
            FROM typed t LEFT JOIN sup s ON t."Supplier ID" = s.supplier_id
            WHERE t.ok
        )
        SELECT chosen.*, ix.district AS district_code,
            CASE WHEN ix.district IS NULL THEN 'unknown' ELSE coalesce(k.class, 'national') END
                AS geography
        FROM chosen
        LEFT JOIN read_parquet({sql_str(OUT / 'postcodes.parquet')}) ix ON ix.postcode = chosen.postcode
        LEFT JOIN read_parquet({sql_str(OUT / 'classes-wigan.parquet')}) k ON k.district = ix.district
    """)
    con.execute(f"COPY classified TO {sql_str(out)} (FORMAT parquet, COMPRESSION zstd)")
    rejected = str(Path(out).with_suffix("")) + ".rejected.parquet"
    con.execute(f"COPY (SELECT * EXCLUDE (ok) FROM typed WHERE NOT ok) TO {sql_str(rejected)} "
                "(FORMAT parquet, COMPRESSION zstd)")
    rows = con.execute(f"""
        SELECT geography, sum(amount_pence)::BIGINT, count(*), count(DISTINCT upper(payee))
        FROM read_parquet({sql_str(out)}) GROUP BY geography
    """).fetchall()
    got = {g: {"pence": int(p), "rows": int(n), "payees": int(k)} for g, p, n, k in rows}
    summary = {c: got.get(c, {"pence": 0, "rows": 0, "payees": 0}) for c in CLASSES}
    sys.stdout.write(json.dumps({"geography": summary}) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
