/**
 * The few ROS 2 and Foxglove messages roadseg reads and writes, encoded once for MCAP files and WebSocket
 * connections alike: {@link io.roadseg.ros.CdrWriter} / {@link io.roadseg.ros.CdrReader} (CDR as rmw and rosbag2
 * use it), {@link io.roadseg.ros.RosMessages} (the ros2msg definitions with their dependencies),
 * {@link io.roadseg.ros.CameraMessages} (camera frames from CompressedImage, Image and foxglove.CompressedImage), and a
 * small JSON reader for protocol messages ({@link io.roadseg.ros.Json}).
 */
package io.roadseg.ros;
