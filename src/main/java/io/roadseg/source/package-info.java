/**
 * Where frames come from, named by URI as in the tools people already use.
 *
 * <pre>
 *   path, file://…         recorded drive (any container/codec FFmpeg decodes)      FfmpegVideoSource
 *   v4l2:///dev/video0     V4L2 camera                                              FfmpegVideoSource (live)
 *   rtsp:// udp:// tcp:// srt:// rtmp:// http(s)://   network stream, low latency   FfmpegVideoSource (live)
 *   a folder               images in name order (png, jpg, bmp)                     ImageFolderSource
 *   FILE.mcap              a recording's camera topic (ROS 2, ROS 1, Foxglove;      McapSource
 *                          pictures or one video packet per message) with the        (+ VideoPackets)
 *                          camera's calibration, mount and motion where it logs them
 * </pre>
 *
 * {@link io.roadseg.source.FrameSources#open} parses the URI; every source delivers BGR24 pixels into a buffer the
 * caller owns, so the ring's slots receive frames without a per-frame allocation.
 */
package io.roadseg.source;
