/**
 * The MCAP container format (<a href="https://mcap.dev/spec">mcap.dev/spec</a>), read and written by the project
 * itself (no Java MCAP library is on Maven Central): {@link io.roadseg.mcap.McapReader} (summary and indexes when
 * present, a record-by-record scan otherwise, files cut short read to their last complete record; zstd, lz4 and
 * uncompressed chunks, each checked against its CRC-32; a damaged chunk passed over and listed in
 * {@link io.roadseg.mcap.DamagedParts}) and {@link io.roadseg.mcap.McapWriter} (chunks with message indexes, summary,
 * footer; crash safe to the last chunk). {@link io.roadseg.mcap.Recording} is what a recording source reads, an MCAP
 * file or a ROS bag ({@code io.roadseg.rosbag1}, {@code io.roadseg.rosbag2}: {@link io.roadseg.mcap.IndexedRecording})
 * alike. What the messages mean is {@code io.roadseg.ros}'s business.
 */
package io.roadseg.mcap;
