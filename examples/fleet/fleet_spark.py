"""Fleet rollups over many ctsleuth analyses, with PySpark.

    spark-submit examples/fleet/fleet_spark.py DATASET_GLOB OUT

DATASET_GLOB is where the cases' Parquet tables are, one folder per case
(`cases/*/parquet`, or an s3a:// or gs:// prefix on a cluster); OUT receives
one Parquet folder per rollup: nodes_by_peak_fill, workloads_by_share,
bursts_by_hour, findings_by_kind, growth. The rollups are those of
examples/fleet/fleet.sql (DuckDB), column for column.
"""

import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.window import Window

ROLLUPS = ("nodes_by_peak_fill", "workloads_by_share", "bursts_by_hour", "findings_by_kind", "growth")


def table(spark, dataset, name):
    # mergeSchema: cases written by different versions of one schema line up.
    return spark.read.option("mergeSchema", "true").parquet(f"{dataset}/{name}.parquet")


def rollups(spark, dataset):
    snapshots = table(spark, dataset, "snapshots")
    workloads = table(spark, dataset, "workloads")
    bursts = table(spark, dataset, "bursts")
    findings = table(spark, dataset, "findings")

    nodes_by_peak_fill = (
        snapshots.groupBy("case", "node")
        .agg(
            F.count(F.lit(1)).alias("snapshots"),
            F.max("entries").alias("peak_entries"),
            F.max("limit").alias("limit"),
            F.max("utilization").alias("peak_utilization"),
        )
        .orderBy(F.desc_nulls_last("peak_utilization"), F.desc("peak_entries"), "case", "node")
    )

    total = snapshots.agg(F.sum("entries")).first()[0] or 0
    workloads_by_share = (
        workloads.where(F.col("direction") == "source")
        .groupBy("workload", "kind")
        .agg(
            F.countDistinct("case").alias("cases"),
            F.countDistinct("node").alias("nodes"),
            F.sum("entries").alias("entries"),
            F.max("share").alias("peak_share"),
        )
        .withColumn("fleet_share", F.round(F.col("entries") / F.lit(total), 6) if total else F.lit(None))
        .select("workload", "kind", "cases", "nodes", "entries", "fleet_share", "peak_share")
        .orderBy(F.desc("entries"), "workload")
    )

    bursts_by_hour = (
        bursts.where(F.col("start").isNotNull())
        .withColumn("hour_utc", F.hour(F.col("start")))
        .groupBy("hour_utc")
        .agg(
            F.count(F.lit(1)).alias("bursts"),
            F.sum("logged").alias("logged"),
            F.countDistinct("node").alias("nodes"),
        )
        .orderBy("hour_utc")
    )

    findings_by_kind = (
        findings.groupBy("id", "severity")
        .agg(F.countDistinct("case").alias("cases"), F.countDistinct("node").alias("nodes"))
        .orderBy(F.desc("cases"), F.desc("nodes"), "id")
    )

    daily = (
        snapshots.where(F.col("captured_at").isNotNull())
        .withColumn("day", F.to_date(F.col("captured_at")))
        .groupBy("case", "node", "day")
        .agg(F.max("entries").alias("peak_entries"))
    )
    per_node = Window.partitionBy("case", "node")
    span = daily.withColumn("first_day", F.min("day").over(per_node)).withColumn(
        "last_day", F.max("day").over(per_node)
    )
    first = span.where(F.col("day") == F.col("first_day")).select(
        "case", "node", "first_day", "last_day", F.col("peak_entries").alias("first_peak")
    )
    last = span.where(F.col("day") == F.col("last_day")).select(
        "case", "node", F.col("peak_entries").alias("last_peak")
    )
    growth = (
        first.join(last, on=[first["case"] == last["case"], first["node"].eqNullSafe(last["node"])])
        .select(
            first["case"], first["node"], "first_day", "last_day", "first_peak", "last_peak",
            (F.col("last_peak") - F.col("first_peak")).alias("growth"),
        )
        .orderBy(F.desc("growth"), "case", "node")
    )

    return {
        "nodes_by_peak_fill": nodes_by_peak_fill,
        "workloads_by_share": workloads_by_share,
        "bursts_by_hour": bursts_by_hour,
        "findings_by_kind": findings_by_kind,
        "growth": growth,
    }


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: spark-submit fleet_spark.py DATASET_GLOB OUT")
    dataset, out = argv[1], argv[2]
    # Times are UTC in the tables; read and write them as UTC.
    spark = (
        SparkSession.builder.appName("ctsleuth-fleet")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    for name, df in rollups(spark, dataset).items():
        df.coalesce(1).write.mode("overwrite").parquet(f"{out}/{name}")
        print(f"wrote {out}/{name}")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv)
