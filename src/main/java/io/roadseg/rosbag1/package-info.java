/**
 * ROS 1 bags (format 2.0, the {@code .bag} files of {@code rosbag record}), read without ROS:
 * {@link io.roadseg.rosbag1.Rosbag1Reader} turns a bag's connections and indexed messages into a
 * {@link io.roadseg.mcap.Recording}, so it replays as an MCAP file does.
 */
package io.roadseg.rosbag1;
