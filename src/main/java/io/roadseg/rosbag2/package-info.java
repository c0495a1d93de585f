/**
 * ROS 2 bags in rosbag2's SQLite storage ({@code .db3}), read without ROS or an SQLite library:
 * {@link io.roadseg.rosbag2.SqliteFile} reads a database file's tables from its pages as SQLite's file format lays them
 * out, {@link io.roadseg.rosbag2.Rosbag2Reader} turns a bag's {@code topics} and {@code messages} into a
 * {@link io.roadseg.mcap.Recording}, so a bag replays as an MCAP file does.
 */
package io.roadseg.rosbag2;
