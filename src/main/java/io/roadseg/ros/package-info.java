/**
 * The few ROS 2 and Foxglove messages roadseg reads and writes, encoded once for MCAP files and WebSocket
 * connections alike: {@link io.roadseg.ros.CdrWriter} / {@link io.roadseg.ros.CdrReader} (CDR as rmw and rosbag2
 * use it; the reader also ROS 1's serialization), {@link io.roadseg.ros.RosMessages} (the ros2msg definitions with
 * their dependencies), {@link io.roadseg.ros.CameraMessages} (camera frames from CompressedImage, Image, Foxglove's
 * CompressedImage, RawImage and CompressedVideo, ffmpeg_image_transport's packets), the camera's calibration
 * ({@link io.roadseg.ros.CameraInfoMessage}, for the pictures of its topic), mount ({@link io.roadseg.ros.CameraMount})
 * and motion ({@link io.roadseg.ros.MotionMessages}), and a small JSON reader for protocol messages
 * ({@link io.roadseg.ros.Json}).
 */
package io.roadseg.ros;
