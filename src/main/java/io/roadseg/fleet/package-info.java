/**
 * A model over many drives, with results that add up: {@link io.roadseg.fleet.DriveEvaluator} scores one drive with
 * an open engine into a mergeable {@link io.roadseg.fleet.DriveResult} (confusion counts, depth sums, latency
 * histogram); {@link io.roadseg.fleet.FleetReport} sums them (IoU = ΣI/ΣU) and lists the worst drives per class;
 * {@link io.roadseg.fleet.FleetComparison} sets a model against a baseline; {@link io.roadseg.fleet.DriveList} reads
 * lists, globs and shards. Used by {@code eval --drives}, {@code merge} and the Spark job in the {@code fleet} module.
 */
package io.roadseg.fleet;
